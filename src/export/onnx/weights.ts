/**
 * Weight rearrangements between Keras (NHWC, kernels [kh, kw, in, out]) and ONNX (NCHW, kernels [out, in, kh, kw]),
 * and BatchNormalization folding. Plain loops over typed arrays: weights are small and this runs once per export.
 */
import type { ChannelAffine } from './context.js';
import type { LayerApp, LayerWeight } from './topology.js';

/** Permutes the axes of a dense row-major array: out[i_perm] = data[i] (like numpy.transpose(data, perm)). */
export function transpose(data: Float32Array, dims: number[], perm: number[]): { data: Float32Array; dims: number[] } {
  const rank = dims.length;
  const outDims = perm.map((p) => dims[p]!);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= dims[i]!;
  }
  const permStrides = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * permStrides[i]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outDims[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: out, dims: outDims };
}

/** A required weight of `app`; its absence is a bug in the model file, reported with the layer's name. */
export function need(app: LayerApp, short: string): LayerWeight {
  const w = app.weight(short);
  if (!w) throw new Error(`layer "${app.name}" (class ${app.className}) has no weight "${short}" (has: ${app.weightNames.join(', ')})`);
  return w;
}

/**
 * The per-channel affine of an inference-mode BatchNormalization: scale = γ/√(var+ε), shift = β − mean·scale
 * (γ = 1 when scale=false, β = 0 when center=false), in float64 so folding adds no rounding of its own.
 */
export function batchNormAffine(app: LayerApp): ChannelAffine {
  const eps = (app.config.epsilon as number | undefined) ?? 1e-3;
  const mean = need(app, 'moving_mean').data;
  const variance = need(app, 'moving_variance').data;
  const gamma = app.config.scale === false ? undefined : need(app, 'gamma').data;
  const beta = app.config.center === false ? undefined : need(app, 'beta').data;
  const n = mean.length;
  const scale = new Float64Array(n);
  const shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps);
    shift[c] = (beta ? beta[c]! : 0) - mean[c]! * scale[c]!;
  }
  return { scale, shift };
}

/**
 * Folds `fold` into a kernel whose output channel is axis `axis` and into its bias (created when absent):
 * W'[..o..] = W·scale[o], b'[o] = b·scale[o] + shift[o].
 */
export function foldInto(
  kernel: Float32Array,
  dims: number[],
  axis: number,
  bias: Float32Array | undefined,
  fold: ChannelAffine | undefined,
): { kernel: Float32Array; bias: Float32Array | undefined } {
  if (!fold) return { kernel, bias };
  const outCh = dims[axis]!;
  if (fold.scale.length !== outCh) throw new Error(`cannot fold a BatchNormalization of ${fold.scale.length} channels into ${outCh} outputs`);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const k = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) k[i] = kernel[i]! * fold.scale[Math.floor(i / inner) % outCh]!;
  const b = new Float32Array(outCh);
  for (let o = 0; o < outCh; o++) b[o] = (bias ? bias[o]! : 0) * fold.scale[o]! + fold.shift[o]!;
  return { kernel: k, bias: b };
}
