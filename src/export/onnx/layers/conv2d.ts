/** Conv2D: kernel [kh, kw, in, out] → ONNX Conv weight [out, in, kh, kw]; a following BatchNormalization is folded in. */
import type { LayerConverter } from '../context.js';
import { foldInto, need, transpose } from '../weights.js';
import { applyActivation } from './activation.js';
import { convProblem, emitConv, windowOf } from './conv-common.js';

/** Conv2D (channelsLast, same/valid, strides, dilation, bias, activation). */
export const conv2d: LayerConverter = {
  name: 'Conv2D',
  check: convProblem,
  canFoldBatchNorm: (app) => (app.config.activation ?? 'linear') === 'linear',
  convert(ctx, app, [x], fold) {
    const k = need(app, 'kernel');
    const w = transpose(k.data, k.shape, [3, 2, 0, 1]);
    const bias = app.config.useBias === false ? undefined : need(app, 'bias').data;
    const folded = foldInto(w.data, w.dims, 0, bias, fold);
    const y = emitConv(ctx, x!, { data: folded.kernel, dims: w.dims }, folded.bias, windowOf(app), 1, app.outputShape, app.name);
    return applyActivation(ctx, (app.config.activation as string | undefined) ?? 'linear', y, app.name);
  },
};
