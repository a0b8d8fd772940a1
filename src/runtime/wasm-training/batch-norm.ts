import type { FusedBatchNormAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, replacementKernel, type TrainingKernel } from './common.js';
import { simdKernels } from './simd/module.js';

/**
 * FusedBatchNorm, y = (x − mean) · scale / √(var + ε) + offset with per-channel statistics, as the SIMD
 * `batch_norm_apply` kernel: the wasm backend's version works element by element (11 calls, about a fifth of a
 * MobileNet-style training step, and as much of its forward). Statistics that are not one value per channel,
 * channels that are not a multiple of 4, and non-float32 input go to the original kernel.
 */
export const batchNorm: TrainingKernel = replacementKernel('FusedBatchNorm', (tf, args) => {
  const xT = input(args, 'x');
  const meanT = input(args, 'mean');
  const varT = input(args, 'variance');
  const { offset: offsetT, scale: scaleT } = args.inputs;
  const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
  const k = simdKernels(args.backend);
  const C = xT.shape.at(-1) ?? 0;
  const perChannel = (t: TensorInfo | undefined) => !t || (t.dtype === 'float32' && tf.util.sizeFromShape(t.shape) === C);
  const rows = C > 0 ? tf.util.sizeFromShape(xT.shape) / C : 0;
  if (!k || xT.dtype !== 'float32' || C % 4 !== 0 || rows === 0 || ![meanT, varT, offsetT, scaleT].every(perChannel)) return undefined;
  const ops = new Ops(tf, args.backend);
  const out = ops.alloc(xT.shape);
  const factors = ops.alloc([C]);
  const zeros = offsetT ? undefined : ops.zeros([C]);
  const variance = ops.f32(varT);
  const scale = scaleT ? ops.f32(scaleT) : undefined;
  const f = ops.f32(factors);
  for (let c = 0; c < C; c++) f[c] = (scale ? scale[c]! : 1) / Math.sqrt(variance[c]! + varianceEpsilon);
  k.batch_norm_apply(ops.offset(xT), ops.offset(meanT), ops.offset(factors), ops.offset(offsetT ?? zeros!), ops.offset(out), rows, C);
  ops.free(factors, zeros);
  return out;
});
