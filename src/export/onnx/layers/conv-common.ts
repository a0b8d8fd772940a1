/** What Conv2D, DepthwiseConv2D and SeparableConv2D share: config checks, pads, and emitting an ONNX Conv. */
import type { ConvertContext, Value } from '../context.js';
import { ints, int } from '../graph.js';
import { pads2d, pair } from '../padding.js';
import type { LayerApp } from '../topology.js';
import { activationProblem } from './activation.js';

/** Why a conv-like layer's config cannot be written (undefined when it can). */
export function convProblem(app: LayerApp): string | undefined {
  const c = app.config;
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') return `dataFormat ${JSON.stringify(c.dataFormat)} is not supported (channelsLast)`;
  if (c.padding !== 'same' && c.padding !== 'valid') return `padding ${JSON.stringify(c.padding)} is not supported (same, valid)`;
  if (app.inputShapes[0]?.length !== 3) return `input of rank ${(app.inputShapes[0]?.length ?? 0) + 1} is not supported (rank 4, NHWC)`;
  return activationProblem(c.activation ?? 'linear');
}

/** The window geometry of a conv-like layer: kernel, strides, dilations and explicit pads. */
export function windowOf(app: LayerApp): { kernel: [number, number]; strides: [number, number]; dilations: [number, number]; pads: number[] } {
  const c = app.config;
  const kernel = pair(c.kernelSize, 'kernelSize');
  const strides = pair(c.strides ?? 1, 'strides');
  const dilations = pair(c.dilationRate ?? 1, 'dilationRate');
  const [h, w] = app.inputShapes[0] as [number, number, number];
  return { kernel, strides, dilations, pads: pads2d(c.padding as string, [h, w], kernel, strides, dilations) };
}

/** Adds an ONNX Conv over NCHW `x` with weight [out, in/group, kh, kw] and an optional bias. */
export function emitConv(
  ctx: ConvertContext,
  x: Value,
  weight: { data: Float32Array; dims: number[] },
  bias: Float32Array | undefined,
  win: ReturnType<typeof windowOf>,
  group: number,
  outShape: number[],
  hint: string,
): Value {
  const inputs = [x.name, ctx.g.float(`${hint}/W`, weight.data, weight.dims)];
  if (bias) inputs.push(ctx.g.float(`${hint}/B`, bias, [bias.length]));
  const name = ctx.g.add(
    'Conv',
    inputs,
    { kernel_shape: ints(win.kernel), strides: ints(win.strides), dilations: ints(win.dilations), pads: ints(win.pads), group: int(group) },
    hint,
  );
  return { name, shape: outShape };
}
