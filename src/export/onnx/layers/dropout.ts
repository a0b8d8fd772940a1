/** Dropout (and its spatial/noise relatives) is the identity at inference: no node is written. */
import type { LayerConverter } from '../context.js';

const identity = (name: string): LayerConverter => ({ name, convert: (_ctx, _app, [x]) => x! });

export const dropout = identity('Dropout');
export const spatialDropout2d = identity('SpatialDropout2D');
export const gaussianNoise = identity('GaussianNoise');
export const gaussianDropout = identity('GaussianDropout');
export const alphaDropout = identity('AlphaDropout');
