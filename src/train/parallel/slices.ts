/** How a batch is shared between training workers. */

/** Rows [start, end) of a batch that one worker takes. */
export interface Slice {
  start: number;
  end: number;
}

/**
 * Splits `n` rows into `workers` contiguous slices in worker order, as even as possible (the first n mod workers take
 * one row more); with fewer rows than workers the last slices are empty. Fixed by (n, workers) alone, so the same
 * worker always gets the same rows of a given batch.
 */
export function batchSlices(n: number, workers: number): Slice[] {
  const base = Math.floor(n / workers);
  const extra = n % workers;
  const out: Slice[] = [];
  let start = 0;
  for (let i = 0; i < workers; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push({ start, end: start + len });
    start += len;
  }
  return out;
}
