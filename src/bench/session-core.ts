/**
 * Timing and prediction over a {@link PortableModel}. Portable like the harness: the page receives these functions'
 * source, so each uses only its parameters and its own body.
 */
import type { TimingPlan, TimingSamples } from './harness.js';
import type { PortableModel } from './types.js';

type Measure = (call: () => unknown, plan: TimingPlan, now: () => number) => Promise<TimingSamples>;

/**
 * Times inference on a batch of `batch` samples (the first `n` samples of `x`, `per` values each, cycled when the
 * split is smaller). The input is prepared outside the timed region; each timed call includes reading the output.
 */
export async function timeModel(
  model: PortableModel,
  x: Float32Array,
  per: number,
  n: number,
  batch: number,
  plan: TimingPlan,
  now: () => number,
  measure: Measure,
): Promise<TimingSamples> {
  if (model.fixedBatch !== undefined && model.fixedBatch !== batch) {
    throw new Error(`the model has a fixed batch size of ${model.fixedBatch}; batch ${batch} cannot run`);
  }
  const buf = new Float32Array(batch * per);
  for (let i = 0; i < batch; i++) buf.set(x.subarray((i % n) * per, ((i % n) + 1) * per), i * per);
  const input = model.makeInput(buf, batch);
  try {
    return await measure(() => model.run(input), plan, now);
  } finally {
    model.disposeInput(input);
  }
}

/**
 * Top-1 class (argmax of the logits; the first maximum on ties) of each of the first `n` samples, in chunks of
 * `chunk` (or the model's fixed batch, zero-padding the last chunk).
 */
export async function predictModel(model: PortableModel, x: Float32Array, per: number, n: number, chunk: number): Promise<Int32Array> {
  const size = model.fixedBatch ?? chunk;
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += size) {
    const m = Math.min(size, n - start);
    const buf = new Float32Array(size === m ? m * per : size * per);
    buf.set(x.subarray(start * per, (start + m) * per));
    const b = buf.length / per;
    const input = model.makeInput(buf, b);
    let logits: Float32Array;
    try {
      logits = await model.run(input);
    } finally {
      model.disposeInput(input);
    }
    const classes = logits.length / b;
    if (!Number.isInteger(classes) || classes < 1) throw new Error(`the model returned ${logits.length} values for a batch of ${b}`);
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let k = 1; k < classes; k++) if (logits[i * classes + k]! > logits[i * classes + best]!) best = k;
      out[start + i] = best;
    }
  }
  return out;
}
