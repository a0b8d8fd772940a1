/**
 * A BatchNormalization that could not be folded into the layer before it (e.g. it follows a pooling layer or an
 * Add) is written as ONNX BatchNormalization in inference mode, which computes the same formula as tfjs:
 * (x − mean)/√(var + ε)·γ + β. Folding itself happens in convert.ts.
 */
import type { LayerConverter } from '../context.js';
import { float } from '../graph.js';
import { need } from '../weights.js';

/** BatchNormalization (when not folded), for rank-2 and rank-4 inputs along the channel axis. */
export const batchNormalization: LayerConverter = {
  name: 'BatchNormalization',
  check: (app) => {
    const rank = (app.inputShapes[0]?.length ?? 0) + 1;
    const axis = (app.config.axis as number | undefined) ?? -1;
    if (rank !== 2 && rank !== 4) return `input of rank ${rank} is not supported (2 or 4)`;
    if (axis !== -1 && axis !== rank - 1) return `axis ${axis} is not supported (the channel axis, -1)`;
    return undefined;
  },
  convert(ctx, app, [input]) {
    // Per-feature parameters need features in Keras order.
    const x = ctx.canonical(input!);
    const mean = need(app, 'moving_mean').data;
    const n = mean.length;
    const gamma = app.config.scale === false ? new Float32Array(n).fill(1) : need(app, 'gamma').data;
    const beta = app.config.center === false ? new Float32Array(n) : need(app, 'beta').data;
    const name = ctx.g.add(
      'BatchNormalization',
      [
        x.name,
        ctx.g.float(`${app.name}/gamma`, gamma, [n]),
        ctx.g.float(`${app.name}/beta`, beta, [n]),
        ctx.g.float(`${app.name}/mean`, mean, [n]),
        ctx.g.float(`${app.name}/var`, need(app, 'moving_variance').data, [n]),
      ],
      { epsilon: float((app.config.epsilon as number | undefined) ?? 1e-3) },
      app.name,
    );
    return { ...x, name };
  },
};
