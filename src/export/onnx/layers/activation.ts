/**
 * Activation functions, shared by the Activation/ReLU/Softmax layers and by the `activation` option of Conv2D,
 * DepthwiseConv2D, SeparableConv2D and Dense. Elementwise functions keep a value's NCHW-flatten mark (they do not
 * care about feature order); softmax along the feature axis is order-equivariant, so it keeps it too.
 */
import { listOf } from '../../../core/errors.js';
import { nchwAxis, type ConvertContext, type LayerConverter, type Value } from '../context.js';
import { float, int, type Attr } from '../graph.js';

type Emit = (ctx: ConvertContext, x: Value, hint: string) => string;

const unary =
  (op: string, attrs: Record<string, Attr> = {}): Emit =>
  (ctx, x, hint) =>
    ctx.g.add(op, [x.name], attrs, hint);

/** Clip(x, lo, hi): in opset 13 the bounds are inputs, not attributes. */
export function clip(ctx: ConvertContext, x: string, lo: number, hi: number, hint: string): string {
  return ctx.g.add('Clip', [x, ctx.g.float(`${hint}/min`, [lo], []), ctx.g.float(`${hint}/max`, [hi], [])], {}, hint);
}

const ACTIVATIONS: Record<string, Emit> = {
  linear: (_ctx, x) => x.name,
  relu: unary('Relu'),
  relu6: (ctx, x, hint) => clip(ctx, x.name, 0, 6, hint),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  elu: unary('Elu', { alpha: float(1) }),
  selu: unary('Selu'),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  hardSigmoid: unary('HardSigmoid', { alpha: float(0.2), beta: float(0.5) }),
  swish: (ctx, x, hint) => ctx.g.add('Mul', [x.name, ctx.g.add('Sigmoid', [x.name], {}, `${hint}/sigmoid`)], {}, hint),
  // Keras applies softmax along the last (channel) axis: NCHW axis 1 for images, 1 for features.
  softmax: unary('Softmax', { axis: int(1) }),
};

/** Names of the activation functions this exporter writes. */
export const SUPPORTED_ACTIVATIONS = Object.keys(ACTIVATIONS);

/** Why `name` cannot be written as an activation (undefined when it can). */
export function activationProblem(name: unknown): string | undefined {
  if (typeof name === 'string' && name in ACTIVATIONS) return undefined;
  return `activation ${JSON.stringify(name)} is not supported (supported: ${listOf(SUPPORTED_ACTIVATIONS)})`;
}

/** Applies activation `name` to `x`. */
export function applyActivation(ctx: ConvertContext, name: string, x: Value, hint: string): Value {
  const emit = ACTIVATIONS[name];
  if (!emit) throw new Error(activationProblem(name));
  return { ...x, name: emit(ctx, x, `${hint}/${name}`) };
}

/** The Activation layer. */
export const activationLayer: LayerConverter = {
  name: 'Activation',
  check: (app) => activationProblem(app.config.activation),
  convert: (ctx, app, [x]) => applyActivation(ctx, app.config.activation as string, x!, app.name),
};

/** The ReLU layer: Relu, or Clip(0, maxValue) when maxValue is set (ReLU6 is maxValue 6). */
export const reluLayer: LayerConverter = {
  name: 'ReLU',
  check: (app) => {
    const m = app.config.maxValue;
    if (m !== null && m !== undefined && (typeof m !== 'number' || m < 0)) return `maxValue ${JSON.stringify(m)} is not supported (a number ≥ 0 or null)`;
    return undefined;
  },
  convert: (ctx, app, [x]) => {
    const m = app.config.maxValue as number | null | undefined;
    const name = m === null || m === undefined ? ctx.g.add('Relu', [x!.name], {}, app.name) : clip(ctx, x!.name, 0, m, app.name);
    return { ...x!, name };
  },
};

/** The Softmax layer; its axis (tfjs default 1) is mapped from NHWC to the graph's NCHW. */
export const softmaxLayer: LayerConverter = {
  name: 'Softmax',
  check: (app) => (typeof app.config.axis === 'number' || app.config.axis === undefined ? undefined : `axis ${JSON.stringify(app.config.axis)} is not supported (one axis)`),
  convert: (ctx, app, [x]) => {
    const rank = x!.shape.length + 1;
    const axis = nchwAxis((app.config.axis as number | undefined) ?? 1, rank);
    // Softmax over the whole feature axis does not care about feature order; over any other axis order matters.
    const v = rank === 2 && axis === 1 ? x! : ctx.canonical(x!);
    return { ...v, name: ctx.g.add('Softmax', [v.name], { axis: int(axis) }, app.name) };
  },
};
