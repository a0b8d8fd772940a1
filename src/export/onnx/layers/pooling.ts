/**
 * MaxPooling2D / AveragePooling2D with explicit pads. tfjs 'same' average pooling divides by the number of real
 * (unpadded) pixels in each window, which is ONNX AveragePool with count_include_pad = 0 — set explicitly, since a
 * window at the border otherwise averages in zeros.
 */
import type { LayerConverter } from '../context.js';
import { int, ints, type Attr } from '../graph.js';
import { pads2d, pair } from '../padding.js';
import type { LayerApp } from '../topology.js';

function poolProblem(app: LayerApp): string | undefined {
  const c = app.config;
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') return `dataFormat ${JSON.stringify(c.dataFormat)} is not supported (channelsLast)`;
  if (c.padding !== 'same' && c.padding !== 'valid') return `padding ${JSON.stringify(c.padding)} is not supported (same, valid)`;
  if (app.inputShapes[0]?.length !== 3) return `input of rank ${(app.inputShapes[0]?.length ?? 0) + 1} is not supported (rank 4, NHWC)`;
  return undefined;
}

function pool(op: 'MaxPool' | 'AveragePool', className: string): LayerConverter {
  return {
    name: className,
    check: poolProblem,
    convert(ctx, app, [x]) {
      const kernel = pair(app.config.poolSize, 'poolSize');
      const strides = pair(app.config.strides ?? kernel, 'strides');
      const [h, w] = x!.shape as [number, number, number];
      const attrs: Record<string, Attr> = { kernel_shape: ints(kernel), strides: ints(strides), pads: ints(pads2d(app.config.padding as string, [h, w], kernel, strides)) };
      if (op === 'AveragePool') attrs.count_include_pad = int(0);
      return { name: ctx.g.add(op, [x!.name], attrs, app.name), shape: app.outputShape };
    },
  };
}

/** MaxPooling2D. */
export const maxPooling2d = pool('MaxPool', 'MaxPooling2D');
/** AveragePooling2D (count_include_pad = 0). */
export const averagePooling2d = pool('AveragePool', 'AveragePooling2D');

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool', className: string): LayerConverter {
  return {
    name: className,
    check: (app) => {
      if (app.config.dataFormat !== undefined && app.config.dataFormat !== 'channelsLast') return `dataFormat ${JSON.stringify(app.config.dataFormat)} is not supported (channelsLast)`;
      if (app.inputShapes[0]?.length !== 3) return `input of rank ${(app.inputShapes[0]?.length ?? 0) + 1} is not supported (rank 4, NHWC)`;
      return undefined;
    },
    convert(ctx, app, [x]) {
      const pooled = ctx.g.add(op, [x!.name], {}, app.name);
      // [N, C, 1, 1] → [N, C]; with keepDims the Keras output is [1, 1, C], which NCHW [N, C, 1, 1] already is.
      if (app.outputShape.length === 3) return { name: pooled, shape: app.outputShape };
      return { name: ctx.g.add('Flatten', [pooled], { axis: int(1) }, `${app.name}/flatten`), shape: app.outputShape };
    },
  };
}

/** GlobalAveragePooling2D (+ Flatten unless keepDims). */
export const globalAveragePooling2d = globalPool('GlobalAveragePool', 'GlobalAveragePooling2D');
/** GlobalMaxPooling2D (+ Flatten unless keepDims). */
export const globalMaxPooling2d = globalPool('GlobalMaxPool', 'GlobalMaxPooling2D');
