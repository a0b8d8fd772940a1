/** Ops whose output is a probability distribution over classes. */
const SOFTMAX_OPS = new Set(['Softmax', 'softmax']);
/** Ops whose output is log-probabilities, which are valid logits as they are. */
const LOG_SOFTMAX_OPS = new Set(['LogSoftmax', 'logSoftmax', 'log_softmax']);

/** What a teacher's output holds, and how that was decided (for logs and `inspect`). */
export interface OutputKind {
  kind: 'logits' | 'probs';
  how: string;
}

/** Decides from the producing op alone: Softmax → probs, LogSoftmax → logits; otherwise undecided. */
export function kindFromOp(op: string | undefined): OutputKind | undefined {
  if (op && SOFTMAX_OPS.has(op)) return { kind: 'probs', how: `last op ${op}` };
  if (op && LOG_SOFTMAX_OPS.has(op)) return { kind: 'logits', how: `last op ${op} (log-probabilities are logits up to a constant)` };
  return undefined;
}

/**
 * True when every row of a [rows, cols] output lies in [0, 1] and sums to 1 (within `tol`): the output is a
 * probability distribution. Logits practically never do this for every row of a batch.
 */
export function rowsAreProbabilities(values: Float32Array | number[], rows: number, cols: number, tol = 1e-3): boolean {
  if (rows === 0 || cols < 2) return false;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c]!;
      if (!(v >= -tol && v <= 1 + tol)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > tol) return false;
  }
  return true;
}
