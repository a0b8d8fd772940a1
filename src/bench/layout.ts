import type { Artifact } from '../core/types.js';

/** Per-sample dims of an artifact's input: [h, w, c] for nhwc, [c, h, w] for nchw. */
export function sampleShape(layout: Artifact['layout'] | undefined, [h, w, c]: [number, number, number]): number[] {
  return layout === 'nchw' ? [c, h, w] : [h, w, c];
}

/** Reorders n images from NHWC to NCHW (a new array; the NHWC input is left alone). */
export function nhwcToNchw(x: Float32Array, n: number, [h, w, c]: [number, number, number]): Float32Array {
  const out = new Float32Array(x.length);
  const per = h * w * c;
  for (let i = 0; i < n; i++) {
    const base = i * per;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let k = 0; k < c; k++) out[base + k * h * w + y * w + xx] = x[base + (y * w + xx) * c + k]!;
      }
    }
  }
  return out;
}

/** The test images in the layout an artifact takes. */
export function imagesFor(layout: Artifact['layout'] | undefined, x: Float32Array, n: number, shape: [number, number, number]): Float32Array {
  return layout === 'nchw' ? nhwcToNchw(x, n, shape) : x;
}
