/** The sizing report (RUN/sizing.json) and its table as log lines. */
import type { Budget } from '../config/target.js';
import type { TimingPlan } from '../bench/harness.js';
import type { DeviceInfo } from '../bench/types.js';
import type { CandidateRow } from './search.js';
import { alignedRows } from '../core/table.js';

/** RUN/sizing.json: how the student was sized to a target by measurement. */
export interface SizingReport {
  by: 'latency';
  family: string;
  target: { id: string; path: string; runtime: string; host: string; backend: string; format: string; precision: string; cpuThrottling: number; device?: DeviceInfo };
  budget: Budget;
  /** Timing plan of every measurement (batch 1, untrained weights). */
  plan: TimingPlan;
  candidates: CandidateRow[];
  /** Description of the chosen candidate. */
  chosen: string;
  measured: number;
  seconds: number;
}

const VERDICT_MARK: Record<CandidateRow['verdict'], string> = { fits: 'yes', 'assumed-fits': 'yes*', 'over-budget': 'no', 'over-bytes': 'no (bytes)', error: 'error' };

/** The candidate table as aligned lines (chosen row marked `>`). */
export function candidateTable(rows: CandidateRow[], chosen?: string): string[] {
  const head = ['', 'candidate', 'params', 'bytes', 'p50 ms', 'p95 ms', 'fits?'];
  const body = rows.map((r) => [
    r.description === chosen ? '>' : '',
    r.description,
    String(r.paramCount),
    String(r.measurement?.bytes ?? r.estBytes),
    r.measurement ? r.measurement.p50Ms.toFixed(3) : '-',
    r.measurement ? r.measurement.p95Ms.toFixed(3) : '-',
    VERDICT_MARK[r.verdict] + (r.reasons.length && r.verdict !== 'assumed-fits' ? `: ${r.reasons.join(', ')}` : ''),
  ]);
  return [...alignedRows([head, ...body], (i) => i >= 2 && i <= 5), 'bytes: measured artifact size, or the weights alone where not exported; yes*: not measured, a wider member of its depth fits'];
}
