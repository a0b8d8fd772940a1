/**
 * DepthwiseConv2D as a grouped Conv (group = input channels). tfjs orders the outputs channel-major
 * (output i·mult + m reads input channel i), which is exactly ONNX's group order, so the kernel [kh, kw, in, mult]
 * becomes [in·mult, 1, kh, kw] by a transpose to [in, mult, kh, kw] and a reshape.
 */
import type { LayerApp } from '../topology.js';
import type { ChannelAffine, ConvertContext, LayerConverter, Value } from '../context.js';
import { foldInto, need, transpose } from '../weights.js';
import { applyActivation } from './activation.js';
import { convProblem, emitConv, windowOf } from './conv-common.js';

/** The ONNX grouped-Conv weight of a depthwise kernel [kh, kw, in, mult]. */
export function depthwiseWeight(k: { data: Float32Array; shape: number[] }): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, mult] = k.shape as [number, number, number, number];
  const t = transpose(k.data, k.shape, [2, 3, 0, 1]);
  return { data: t.data, dims: [cin * mult, 1, kh, kw] };
}

/** Emits the depthwise part of DepthwiseConv2D / SeparableConv2D, with an optional bias and folded BN. */
export function emitDepthwise(ctx: ConvertContext, app: LayerApp, x: Value, bias: Float32Array | undefined, fold: ChannelAffine | undefined, outShape: number[], hint: string): Value {
  const w = depthwiseWeight(need(app, 'depthwise_kernel'));
  const folded = foldInto(w.data, w.dims, 0, bias, fold);
  return emitConv(ctx, x, { data: folded.kernel, dims: w.dims }, folded.bias, windowOf(app), x.shape[2]!, outShape, hint);
}

/** DepthwiseConv2D with any depthMultiplier. */
export const depthwiseConv2d: LayerConverter = {
  name: 'DepthwiseConv2D',
  check: convProblem,
  canFoldBatchNorm: (app) => (app.config.activation ?? 'linear') === 'linear',
  convert(ctx, app, [x], fold) {
    const bias = app.config.useBias === false ? undefined : need(app, 'bias').data;
    const y = emitDepthwise(ctx, app, x!, bias, fold, app.outputShape, app.name);
    return applyActivation(ctx, (app.config.activation as string | undefined) ?? 'linear', y, app.name);
  },
};
