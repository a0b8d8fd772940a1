/**
 * SeparableConv2D as two Convs: the depthwise one (grouped, no bias) with the layer's strides/padding/dilation,
 * then a 1x1 pointwise Conv carrying the bias, a folded BatchNormalization and the activation.
 */
import type { LayerConverter } from '../context.js';
import { foldInto, need, transpose } from '../weights.js';
import { applyActivation } from './activation.js';
import { convProblem, emitConv } from './conv-common.js';
import { emitDepthwise } from './depthwise-conv2d.js';

/** SeparableConv2D with any depthMultiplier. */
export const separableConv2d: LayerConverter = {
  name: 'SeparableConv2D',
  check: convProblem,
  canFoldBatchNorm: (app) => (app.config.activation ?? 'linear') === 'linear',
  convert(ctx, app, [x], fold) {
    const [oh, ow] = app.outputShape as [number, number, number];
    const mid = x!.shape[2]! * ((app.config.depthMultiplier as number | undefined) ?? 1);
    const dw = emitDepthwise(ctx, app, x!, undefined, undefined, [oh, ow, mid], `${app.name}/depthwise`);
    const p = need(app, 'pointwise_kernel');
    const w = transpose(p.data, p.shape, [3, 2, 0, 1]);
    const bias = app.config.useBias === false ? undefined : need(app, 'bias').data;
    const folded = foldInto(w.data, w.dims, 0, bias, fold);
    const pointwise = { kernel: [1, 1] as [number, number], strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number], pads: [0, 0, 0, 0] };
    const y = emitConv(ctx, dw, { data: folded.kernel, dims: w.dims }, folded.bias, pointwise, 1, app.outputShape, `${app.name}/pointwise`);
    return applyActivation(ctx, (app.config.activation as string | undefined) ?? 'linear', y, app.name);
  },
};
