import { input, Ops, replacementKernel, type TrainingKernel } from './common.js';
import { simdKernels } from './simd/module.js';

/**
 * Add or Sub of a per-channel vector to a channels-last tensor (a + b[c], a − b[c]: a bias add, BatchNorm's
 * x − mean in training mode) through the SIMD `add_channels` / `sub_channels` kernels. The wasm backend's
 * broadcasting loop takes about three times as long as a same-shape operation. Other shapes, dtypes and channel counts that are not a multiple of 4 go to the
 * original kernel.
 */
export function channelBroadcastKernel(kernelName: 'Add' | 'Sub'): TrainingKernel {
  return replacementKernel(kernelName, (tf, args) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    const k = simdKernels(args.backend);
    const C = a.shape.at(-1) ?? 0;
    const perChannel = b.shape.length >= 1 && b.shape.length <= a.shape.length && b.shape.at(-1) === C && b.shape.slice(0, -1).every((d) => d === 1);
    const rows = C > 0 ? tf.util.sizeFromShape(a.shape) / C : 0;
    if (!k || !perChannel || a.dtype !== 'float32' || b.dtype !== 'float32' || C % 4 !== 0 || rows === 0) return undefined;
    const ops = new Ops(tf, args.backend);
    const out = ops.alloc(a.shape);
    k[kernelName === 'Add' ? 'add_channels' : 'sub_channels'](ops.offset(a), ops.offset(b), ops.offset(out), rows, C);
    return out;
  });
}
