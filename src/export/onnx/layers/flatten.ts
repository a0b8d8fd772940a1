/**
 * Flatten. Of an NCHW image tensor it gives C·H·W order; the value is marked so that a following Dense permutes its
 * kernel rows (see context.ts). When H = W = 1 both orders coincide and no mark is needed.
 */
import type { LayerConverter } from '../context.js';
import { int } from '../graph.js';

/** Flatten of rank-4 (NCHW inside the graph) or rank-2 values. */
export const flatten: LayerConverter = {
  name: 'Flatten',
  check: (app) => {
    const r = (app.inputShapes[0]?.length ?? 0) + 1;
    return r === 2 || r === 4 ? undefined : `input of rank ${r} is not supported (2 or 4)`;
  },
  convert(ctx, app, [x]) {
    if (x!.shape.length === 1) return x!;
    const [h, w, c] = x!.shape as [number, number, number];
    const name = ctx.g.add('Flatten', [x!.name], { axis: int(1) }, app.name);
    return h === 1 && w === 1 ? { name, shape: [c] } : { name, shape: [h * w * c], flatFrom: [h, w, c] };
  },
};
