/**
 * Dense as Gemm(x, W[in, out], b). When x comes from a Flatten of an NCHW tensor, the kernel rows are permuted from
 * Keras's H·W·C order to the graph's C·H·W order here, once, instead of transposing activations on every run.
 */
import type { LayerConverter } from '../context.js';
import { foldInto, need } from '../weights.js';
import { activationProblem, applyActivation } from './activation.js';

/** Reorders kernel rows from NHWC flatten order to NCHW flatten order: row (c·h·w + y·w + x) ← row (y·w·c + x·c + c). */
export function permuteRowsToNchw(kernel: Float32Array, units: number, [h, w, c]: [number, number, number]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const dst = (ch * h * w + y * w + x) * units;
        const src = (y * w * c + x * c + ch) * units;
        out.set(kernel.subarray(src, src + units), dst);
      }
  return out;
}

/** Dense on rank-2 inputs. */
export const dense: LayerConverter = {
  name: 'Dense',
  check: (app) =>
    app.inputShapes[0]?.length !== 1
      ? `input of rank ${(app.inputShapes[0]?.length ?? 0) + 1} is not supported (Dense is exported for rank-2 inputs; add a Flatten or GlobalAveragePooling2D before it)`
      : activationProblem(app.config.activation ?? 'linear'),
  canFoldBatchNorm: (app) => (app.config.activation ?? 'linear') === 'linear',
  convert(ctx, app, [x], fold) {
    const k = need(app, 'kernel');
    const units = k.shape[1]!;
    const rows = x!.flatFrom && ctx.permuteFlattenDense ? permuteRowsToNchw(k.data, units, x!.flatFrom) : k.data;
    const bias = app.config.useBias === false ? undefined : need(app, 'bias').data;
    const folded = foldInto(rows, k.shape, 1, bias, fold);
    const inputs = [x!.name, ctx.g.float(`${app.name}/W`, folded.kernel, k.shape)];
    if (folded.bias) inputs.push(ctx.g.float(`${app.name}/B`, folded.bias, [units]));
    const y = { name: ctx.g.add('Gemm', inputs, {}, app.name), shape: [units] };
    return applyActivation(ctx, (app.config.activation as string | undefined) ?? 'linear', y, app.name);
  },
};
