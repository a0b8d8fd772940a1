import { reductionKernel } from './simd/reduce.js';

/**
 * Sum over a contiguous run of axes that leaves channels innermost (a bias gradient sums dy over batch, height and
 * width) with the SIMD column sums; the wasm backend's Sum reduces innermost axes only, so for these it first
 * transposes the whole activation. Every other case goes to the original kernel.
 */
export const sum = reductionKernel('Sum');
