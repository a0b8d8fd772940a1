/** Add and Concatenate. Inputs must agree on feature order, so flattened inputs are brought to Keras order first. */
import type { LayerConverter, Value } from '../context.js';
import { nchwAxis } from '../context.js';
import { int } from '../graph.js';

const sameFlatOrder = (vs: Value[]): boolean => vs.every((v) => JSON.stringify(v.flatFrom) === JSON.stringify(vs[0]!.flatFrom));

/** Add of two or more same-shape inputs (chained binary Adds). */
export const add: LayerConverter = {
  name: 'Add',
  convert(ctx, app, inputs) {
    // Elementwise sums keep a shared NCHW-flatten order; mixed orders are brought to Keras order.
    const vs = sameFlatOrder(inputs) ? inputs : inputs.map((v) => ctx.canonical(v));
    let acc = vs[0]!.name;
    for (let i = 1; i < vs.length; i++) acc = ctx.g.add('Add', [acc, vs[i]!.name], {}, app.name);
    return { ...vs[0]!, name: acc };
  },
};

/** Concatenate along a Keras axis, mapped to the graph's NCHW axis. */
export const concatenate: LayerConverter = {
  name: 'Concatenate',
  check: (app) => (typeof (app.config.axis ?? -1) === 'number' ? undefined : `axis ${JSON.stringify(app.config.axis)} is not supported`),
  convert(ctx, app, inputs) {
    const vs = inputs.map((v) => ctx.canonical(v));
    const rank = vs[0]!.shape.length + 1;
    const axis = nchwAxis((app.config.axis as number | undefined) ?? -1, rank);
    return { name: ctx.g.add('Concat', vs.map((v) => v.name), { axis: int(axis) }, app.name), shape: app.outputShape };
  },
};
