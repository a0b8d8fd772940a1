/** Comparing two runs of the same batch: how far apart the outputs are and how often the top-1 class agrees. */

export interface OutputComparison {
  /** max |a − b| over every output value. */
  maxAbsDiff: number;
  /** mean |a − b|. */
  meanAbsDiff: number;
  /** Fraction of rows whose argmax agrees. */
  top1Agreement: number;
}

/** Index of the largest value in each row of a row-major [rows, cols] array. */
export function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Compares `got` to the reference `ref` (same [rows, cols] layout). NaN anywhere counts as an infinite difference. */
export function compareOutputs(ref: Float32Array, got: Float32Array, cols: number): OutputComparison {
  if (ref.length !== got.length) throw new Error(`output sizes differ: ${ref.length} vs ${got.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ref[i]! - got[i]!);
    const dd = Number.isNaN(d) ? Infinity : d;
    if (dd > max) max = dd;
    sum += dd;
  }
  const a = argmaxRows(ref, cols);
  const b = argmaxRows(got, cols);
  let agree = 0;
  for (let r = 0; r < a.length; r++) if (a[r] === b[r]) agree++;
  return { maxAbsDiff: max, meanAbsDiff: ref.length ? sum / ref.length : 0, top1Agreement: a.length ? agree / a.length : 1 };
}

/** Fraction of rows whose argmax equals `labels`. */
export function accuracy(values: Float32Array, cols: number, labels: Int32Array): number {
  const p = argmaxRows(values, cols);
  let ok = 0;
  for (let r = 0; r < p.length; r++) if (p[r] === labels[r]) ok++;
  return p.length ? ok / p.length : 0;
}
