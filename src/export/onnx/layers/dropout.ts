/** Dropout and the noise layers are the identity at inference (tfjs applies them only in training): no node is written. */
import type { LayerConverter } from '../context.js';

const identity = (name: string): LayerConverter => ({ name, convert: (_ctx, _app, [x]) => x! });

/** Dropout and the noise layers. */
export const dropout = identity('Dropout');
export const gaussianNoise = identity('GaussianNoise');
export const gaussianDropout = identity('GaussianDropout');
export const alphaDropout = identity('AlphaDropout');
