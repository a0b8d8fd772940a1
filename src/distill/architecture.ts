/** Choosing the student: explicit params, the largest member that fits a byte budget, or the K largest to train. */
import { UserError } from '../core/errors.js';
import type { IOSpec, StudentFamily } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import type { DistillConfig } from '../config/schema.js';
import { validate } from '../config/load.js';
import { chooseStudent, type SizedCandidate } from '../students/sizing.js';
import type { SizingReport } from '../sizing/report.js';
import { topCandidates, type CandidateChoice } from './candidates.js';
import { architectureRecord, type ArchitectureRecord } from './metrics.js';

/** Picks the student's family member: explicit params, else the largest that fits the byte budget, else the default. */
export function pickArchitecture(family: StudentFamily<any>, c: DistillConfig, io: IOSpec, log: Logger): { params: unknown; record: ArchitectureRecord; fitting?: CandidateChoice[] } {
  const record = (params: unknown, candidates?: SizedCandidate<unknown>[]): ArchitectureRecord => {
    const r = architectureRecord(family, params, io);
    if (candidates) r.candidates = candidates.map(({ description, paramCount, bytes, fits }) => ({ description, paramCount, bytes, fits }));
    return r;
  };
  if (c.student.params) {
    const params = validate(family.params, c.student.params, `student.params (${family.name})`);
    const r = record(params);
    if (c.student.maxBytes !== undefined && r.bytes[c.student.weights] > c.student.maxBytes) {
      throw new UserError(`student.params (${r.description}) need ${r.bytes[c.student.weights]} bytes at ${c.student.weights}, over --max-bytes ${c.student.maxBytes}; drop the explicit params to size automatically`);
    }
    return { params, record: r };
  }
  if (c.student.maxBytes !== undefined) {
    const { chosen, candidates } = chooseStudent(family, io, c.student.maxBytes, c.student.weights);
    log.info(`sizing ${family.name} to ${c.student.maxBytes} bytes of ${c.student.weights} weights:`);
    for (const cand of candidates) {
      log.info(`  ${cand === chosen ? '*' : cand.fits ? ' ' : 'x'} ${cand.description.padEnd(22)} ${String(cand.paramCount).padStart(9)} params ${String(cand.bytes).padStart(10)} bytes`);
    }
    log.info(`chose ${chosen.description}: ${chosen.paramCount} params, ${chosen.bytes} bytes (* chosen, x over budget)`);
    const fitting = candidates.filter((x) => x.fits).map(({ params, description, paramCount, bytes }) => ({ params, description, paramCount, bytes }));
    return { params: chosen.params, record: record(chosen.params, candidates), fitting };
  }
  return { params: family.defaultParams, record: record(family.defaultParams) };
}

/** Refuses `--candidates K` (K > 1) where there is nothing to choose among; before anything runs. */
export function checkCandidatesFlag(c: DistillConfig): void {
  const k = c.student.candidates ?? 1;
  if (k <= 1) return;
  if (c.student.params) throw new UserError(`--candidates ${k}: explicit --params leave nothing to choose; drop --params, or drop --candidates`);
  if (c.student.maxBytes === undefined && c.student.sizeBy !== 'latency') throw new UserError(`--candidates ${k} trains the ${k} largest students that fit a budget; give one with --max-bytes N or --target FILE`);
  if (c.tune) throw new UserError(`--candidates ${k} with --tune: the recipe search tunes one student; size first (--candidates), then tune the kept student's family params (--params) with --tune`);
}

/**
 * The K largest candidates that fit the budget before training (latency sizing: the measured table; bytes: the
 * weight-byte table), or undefined when `--candidates` is 1 or absent.
 */
export function candidateChoices(c: DistillConfig, fitting: CandidateChoice[] | undefined, sizing: SizingReport | undefined, familyName: string, log: Logger): CandidateChoice[] | undefined {
  const k = c.student.candidates ?? 1;
  if (k <= 1) return undefined;
  const all: CandidateChoice[] = sizing
    ? sizing.candidates.filter((r) => r.fits).map((r) => ({ params: r.params, description: r.description, paramCount: r.paramCount, bytes: r.measurement?.bytes ?? r.estBytes, ...(r.measurement ? { p50Ms: r.measurement.p50Ms } : {}) }))
    : fitting ?? [];
  const top = topCandidates(all, k);
  if (top.length < k) log.warn(`--candidates ${k}: only ${top.length} ${familyName} student${top.length === 1 ? '' : 's'} fit${top.length === 1 ? 's' : ''} the budget; training ${top.length === 1 ? 'it' : 'all of them'}`);
  log.info(`training ${top.length} candidates, largest first: ${top.map((x) => `${x.description} (${x.paramCount} params)`).join(', ')}; the most accurate on val is kept`);
  return top.length > 1 ? top : undefined;
}

