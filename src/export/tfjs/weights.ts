/** Re-encodes a tfjs weight buffer at a given precision, entry by entry, producing the matching manifest entries. */
import type * as tf from '@tensorflow/tfjs';
import { weightSpecBytes } from '../../runtime/model-io.js';
import { quantizeAffine, toFloat16, type TfjsQuantDtype } from './quantize.js';

type Spec = tf.io.WeightsManifestEntry;

/** Quantized manifest entry, as tfjs-converter writes it (tfjs reads dtype/min/scale; original_dtype is informational). */
export type QuantizedSpec = Spec & { quantization?: Spec['quantization'] & { original_dtype?: string } };

/**
 * Encodes float32 weights of `specs`/`data` (float32, as model.save produces) to `dtype`; other dtypes are copied.
 * Returns the new manifest entries and the concatenated bytes.
 */
export function quantizeWeights(specs: Spec[], data: Uint8Array, dtype: TfjsQuantDtype | undefined): { specs: QuantizedSpec[]; bytes: Uint8Array } {
  const outSpecs: QuantizedSpec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = weightSpecBytes(spec);
    const raw = data.subarray(offset, offset + n);
    offset += n;
    if (!dtype || spec.dtype !== 'float32' || spec.quantization) {
      outSpecs.push({ ...spec });
      parts.push(raw);
      continue;
    }
    const values = new Float32Array(raw.slice().buffer);
    const { quantization: _q, ...base } = spec;
    if (dtype === 'float16') {
      outSpecs.push({ ...base, quantization: { dtype: 'float16', original_dtype: 'float32' } });
      parts.push(new Uint8Array(toFloat16(values).buffer));
    } else {
      const { q, min, scale } = quantizeAffine(values, dtype);
      outSpecs.push({ ...base, quantization: { dtype, min, scale, original_dtype: 'float32' } });
      parts.push(new Uint8Array(q.buffer));
    }
  }
  if (offset !== data.byteLength) throw new Error(`weight specs cover ${offset} bytes of ${data.byteLength}`);
  return { specs: outSpecs, bytes: new Uint8Array(Buffer.concat(parts)) };
}
