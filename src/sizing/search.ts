/**
 * The latency search: which candidates to measure, in which order, and which fit. Pure (the measurer is passed
 * in), so the walk is tested with a fake one.
 */
import type { Budget } from '../config/target.js';
import type { Candidate } from './candidates.js';

/** What measuring one exported, untrained candidate on the target gave. */
export interface Measurement {
  /** Artifact size on disk, raw and gzipped. */
  bytes: number;
  gzipBytes: number;
  /** Batch-1 latency percentiles (ms). */
  p50Ms: number;
  p95Ms: number;
  /** Timing samples behind the percentiles. */
  samples: number;
}

/**
 * - `fits`: measured, within every budget.
 * - `over-budget`: measured, over at least one budget (`reasons` says which).
 * - `over-bytes`: its weights alone exceed the byte budget; not exported or measured.
 * - `assumed-fits`: not measured; a wider member of its group (same depth) fits, and latency grows with width.
 * - `error`: exporting or measuring it failed (`reasons` says why).
 */
export type Verdict = 'fits' | 'over-budget' | 'over-bytes' | 'assumed-fits' | 'error';

/** One row of the candidate table (RUN/sizing.json). */
export interface CandidateRow<P = unknown> {
  description: string;
  params: P;
  paramCount: number;
  estBytes: number;
  verdict: Verdict;
  /** True for `fits` and `assumed-fits`. */
  fits: boolean;
  measurement?: Measurement;
  reasons: string[];
}

/** Why a measurement misses `budget` (empty when it fits). */
export function budgetMisses(m: Measurement, budget: Budget): string[] {
  const out: string[] = [];
  const over = (name: string, value: number, limit: number | undefined, unit: string) => {
    if (limit !== undefined && value > limit) out.push(`${name} ${fmt(value)}${unit} > ${fmt(limit)}${unit}`);
  };
  over('bytes', m.bytes, budget.maxBytes, '');
  over('gzip bytes', m.gzipBytes, budget.maxGzipBytes, '');
  over('p50', m.p50Ms, budget.maxP50Ms, ' ms');
  over('p95', m.p95Ms, budget.maxP95Ms, ' ms');
  return out;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(3));

/**
 * Walks each group (same depth) from its widest member to its narrowest: members whose weights alone exceed
 * `budget.maxBytes` are skipped unmeasured; the rest are measured until the first that fits, and the narrower ones
 * after it are assumed to fit (latency and size grow with width). So each group costs the measurements down to its
 * largest fitting member, not the whole grid. Returns the rows in the candidates' order (smallest first) and the
 * largest measured fitting candidate, if any.
 */
export async function searchCandidates<P>(
  candidates: Candidate<P>[],
  budget: Budget,
  measure: (c: Candidate<P>) => Promise<Measurement>,
  onRow: (row: CandidateRow<P>) => void = () => {},
): Promise<{ rows: CandidateRow<P>[]; chosen?: CandidateRow<P> }> {
  const rows = new Map<Candidate<P>, CandidateRow<P>>();
  const groups = new Map<string, Candidate<P>[]>();
  for (const c of candidates) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  for (const members of groups.values()) {
    let found: Candidate<P> | undefined;
    for (const c of [...members].sort((a, b) => b.paramCount - a.paramCount)) {
      const base = { description: c.description, params: c.params, paramCount: c.paramCount, estBytes: c.estBytes };
      let row: CandidateRow<P>;
      if (budget.maxBytes !== undefined && c.estBytes > budget.maxBytes) {
        row = { ...base, verdict: 'over-bytes', fits: false, reasons: [`weights alone ${c.estBytes} bytes > ${budget.maxBytes}`] };
      } else if (found) {
        row = { ...base, verdict: 'assumed-fits', fits: true, reasons: [`narrower than ${found.description}, which fits`] };
      } else {
        try {
          const m = await measure(c);
          const misses = budgetMisses(m, budget);
          row = { ...base, verdict: misses.length ? 'over-budget' : 'fits', fits: misses.length === 0, measurement: m, reasons: misses };
          if (row.fits) found = c;
        } catch (e) {
          row = { ...base, verdict: 'error', fits: false, reasons: [(e instanceof Error ? e.message : String(e)).split('\n')[0]!] };
        }
      }
      rows.set(c, row);
      onRow(row);
    }
  }
  const ordered = candidates.map((c) => rows.get(c)!);
  const chosen = ordered.filter((r) => r.verdict === 'fits').sort((a, b) => b.paramCount - a.paramCount)[0];
  return chosen ? { rows: ordered, chosen } : { rows: ordered };
}

/**
 * The candidate closest to fitting when none does: the measured one with the smallest p50 (then fewest bytes);
 * when nothing was measured, the one with the fewest weight bytes.
 */
export function closestCandidate<P>(rows: CandidateRow<P>[]): CandidateRow<P> | undefined {
  const measured = rows.filter((r) => r.measurement);
  if (measured.length) return [...measured].sort((a, b) => a.measurement!.p50Ms - b.measurement!.p50Ms || a.measurement!.bytes - b.measurement!.bytes)[0];
  return [...rows].sort((a, b) => a.estBytes - b.estBytes)[0];
}
