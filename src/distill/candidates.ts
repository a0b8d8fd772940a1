/**
 * `--candidates K`: train the K largest students that fit the budget and keep the most accurate on the validation
 * split. Size alone does not decide accuracy (a deeper, narrower member can beat a wider, shallower one of the same
 * bytes), so past the first candidate it pays to measure. Each candidate is saved as it finishes, so a resumed run
 * trains only the ones that were not done.
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DivergedError, UserError } from '../core/errors.js';
import type { Logger } from '../core/progress.js';
import type { IOSpec, StudentFamily } from '../core/types.js';
import { writeDirAtomic, writeJsonAtomic } from '../core/files.js';
import { alignedRows } from '../core/table.js';
import { readJsonFile } from '../config/load.js';
import { loadLayersModelFromFile, saveLayersModelToDir } from '../runtime/model-io.js';
import { loadTf } from '../runtime/backend.js';
import type { EpochRecord, TrainResult } from '../train/trainer.js';
import { RUN_FILES, runPaths } from '../run-dir/layout.js';


/** A family member that fits the budget before training. */
export interface CandidateChoice {
  params: unknown;
  description: string;
  paramCount: number;
  /** Weight bytes (bytes sizing) or the measured artifact's bytes (latency sizing). */
  bytes: number;
  /** Measured batch-1 p50 on the target (latency sizing only). */
  p50Ms?: number;
}

/** One row of RUN/candidates.json. */
export interface TrainedCandidate extends CandidateChoice {
  /** Validation accuracy after the last epoch; null when training diverged. */
  valAccuracy: number | null;
  seconds: number;
  /** Still within the budget after training (see `recheck`). */
  fits: boolean;
  reasons: string[];
  chosen: boolean;
}

interface SavedResult {
  row: Omit<TrainedCandidate, 'chosen'>;
  history: EpochRecord[];
}

/** The K largest of `fitting` (any order), largest first. */
export function topCandidates<C extends { paramCount: number }>(fitting: C[], k: number): C[] {
  return [...fitting].sort((a, b) => b.paramCount - a.paramCount).slice(0, k);
}

/**
 * The winner among trained candidates: the highest validation accuracy among those that still fit; on a tie the
 * smaller one (same accuracy for fewer bytes and less time). Undefined when none trained and fits.
 */
export function pickCandidate<R extends { valAccuracy: number | null; fits: boolean; paramCount: number }>(rows: R[]): R | undefined {
  let best: R | undefined;
  for (const r of rows) {
    if (r.valAccuracy === null || !r.fits) continue;
    if (!best || r.valAccuracy > best.valAccuracy! || (r.valAccuracy === best.valAccuracy && r.paramCount < best.paramCount)) best = r;
  }
  return best;
}

/** Options of {@link trainCandidates}. */
export interface TrainCandidatesOptions {
  family: StudentFamily<any>;
  io: IOSpec;
  candidates: CandidateChoice[];
  seed: number;
  /** Trains one student (checkpointing into `checkpointDir`, resuming from it when it holds one). */
  train: (student: tf.LayersModel, checkpointDir: string) => Promise<TrainResult>;
  /** Why a trained candidate no longer fits the budget (empty when it fits); default: it always does. */
  recheck?: (student: tf.LayersModel, c: CandidateChoice) => Promise<string[]>;
  /** The run directory (candidates are kept in RUN/candidates/ until the run finishes). */
  out: string;
  log: Logger;
}

/**
 * Trains each candidate in turn with the same recipe and seed, and returns the most accurate on val that still fits
 * (see {@link pickCandidate}) with its history and the table, which is also written to RUN/candidates.json.
 */
export async function trainCandidates(o: TrainCandidatesOptions): Promise<{ student: tf.LayersModel; params: unknown; history: EpochRecord[]; rows: TrainedCandidate[] }> {
  const results: SavedResult[] = [];
  for (const [i, c] of o.candidates.entries()) {
    const dir = join(runPaths(o.out).candidatesDir, String(i + 1));
    const resultFile = join(dir, 'result.json');
    if (existsSync(resultFile)) {
      const saved = (await readJsonFile(resultFile, 'candidate result')) as SavedResult;
      if (saved.row.description === c.description) {
        o.log.info(`candidate ${i + 1}/${o.candidates.length}: ${c.description} was trained before the resume (val ${fmtAcc(saved.row.valAccuracy)})`);
        results.push(saved);
        continue;
      }
    }
    o.log.info(`candidate ${i + 1}/${o.candidates.length}: ${c.description}, ${c.paramCount} params`);
    const student = o.family.build(c.params, o.io, o.seed);
    const t0 = performance.now();
    let saved: SavedResult;
    try {
      let history: EpochRecord[] = [];
      let valAccuracy: number | null = null;
      try {
        ({ history } = await o.train(student, join(dir, 'checkpoint')));
        valAccuracy = history.at(-1)!.valAccuracy;
      } catch (e) {
        if (!(e instanceof DivergedError)) throw e;
        o.log.warn(`candidate ${c.description} diverged: ${e.message}`);
      }
      const reasons = valAccuracy !== null && o.recheck ? await o.recheck(student, c) : [];
      saved = { row: { ...c, valAccuracy, seconds: (performance.now() - t0) / 1000, fits: reasons.length === 0, reasons }, history };
      if (valAccuracy !== null) await writeDirAtomic(join(dir, 'student'), (d) => saveLayersModelToDir(student, d));
    } finally {
      student.dispose();
    }
    await rm(join(dir, 'checkpoint'), { recursive: true, force: true });
    await writeJsonAtomic(resultFile, saved);
    o.log.info(`  → val ${fmtAcc(saved.row.valAccuracy)}${saved.row.fits ? '' : `, no longer fits: ${saved.row.reasons.join(', ')}`} (${saved.row.seconds.toFixed(1)} s)`);
    results.push(saved);
  }
  const best = pickCandidate(results.map((r) => r.row));
  const rows: TrainedCandidate[] = results.map((r) => ({ ...r.row, chosen: r.row === best }));
  for (const line of candidateLines(rows)) o.log.info(`  ${line}`);
  if (!best) {
    const why = rows.map((r) => `${r.description}: ${r.valAccuracy === null ? 'diverged' : r.reasons.join(', ')}`).join('; ');
    throw new UserError(`--candidates ${o.candidates.length}: no trained candidate is usable (${why}); lower the learning rate (--lr) or raise the budget`);
  }
  await writeJsonAtomic(runPaths(o.out).candidates, rows);
  const i = results.findIndex((r) => r.row === best);
  const tf = await loadTf();
  const student = await loadLayersModelFromFile(tf, join(runPaths(o.out).candidatesDir, String(i + 1), RUN_FILES.student, RUN_FILES.model));
  o.log.info(`kept ${best.description} (val ${fmtAcc(best.valAccuracy)}), the most accurate of ${rows.length} trained candidates`);
  return { student, params: best.params, history: results[i]!.history, rows };
}

const fmtAcc = (x: number | null) => (x === null ? 'diverged' : `${(100 * x).toFixed(2)}%`);

/** The trained-candidates table as aligned lines (the kept one marked `>`). */
export function candidateLines(rows: TrainedCandidate[]): string[] {
  const head = ['', 'candidate', 'params', 'bytes', 'p50 ms', 'val acc', 'fits?', 'seconds'];
  const body = rows.map((r) => [
    r.chosen ? '>' : '',
    r.description,
    String(r.paramCount),
    String(r.bytes),
    r.p50Ms !== undefined ? r.p50Ms.toFixed(3) : '-',
    fmtAcc(r.valAccuracy),
    r.fits ? 'yes' : `no: ${r.reasons.join(', ')}`,
    r.seconds.toFixed(1),
  ]);
  return alignedRows([head, ...body], (i) => i >= 2 && i !== 6);
}
