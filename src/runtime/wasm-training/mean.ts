import { reductionKernel } from './simd/reduce.js';

/**
 * Mean over a contiguous run of axes that leaves channels innermost, as the SIMD column sums divided by the count:
 * BatchNorm's training-mode mean and variance (two per BatchNorm layer and step) and global average pooling.
 * Every other case goes to the original kernel.
 */
export const mean = reductionKernel('Mean');
