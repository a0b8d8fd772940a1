/** Number formatting shared by the Markdown and HTML reports. */
import type { BenchRow } from '../bench/results.js';

/** Milliseconds with three significant digits (0.0213, 1.52, 152). */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(ms))));
  return ms.toFixed(Math.min(digits, 4));
}

/** Bytes as B, kB or MB (SI, 1 kB = 1000 B, as download sizes are usually quoted). */
export function fmtBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e9).toFixed(1)} GB`;
}

/** A fraction as a percentage with one decimal. */
export function fmtPct(f: number | undefined): string {
  return f === undefined || !Number.isFinite(f) ? '–' : `${(f * 100).toFixed(1)}%`;
}

/** A ratio as "3.2×". */
export function fmtRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '–' : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

/** Samples per second, rounded sensibly. */
export function fmtRate(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '–';
  return r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1);
}

/** "student onnx/fp32" or "teacher" when the row has no artifact. */
export function rowLabel(r: BenchRow): string {
  return r.artifact ? `${r.model} ${r.artifact.format}/${r.artifact.precision}` : r.model;
}

/** "pass", "FAIL (p95Ms)" or "–". */
export function fmtBudget(r: BenchRow): string {
  if (!r.budget) return '–';
  if (r.budget.pass) return 'pass';
  return `FAIL (${r.budget.checks.filter((c) => !c.pass).map((c) => c.metric).join(', ')})`;
}
