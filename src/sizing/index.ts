/**
 * Latency-aware sizing (`--target T --size-by latency`): measure untrained candidates of the student family on the
 * target, keep those that fit its byte and latency budgets, and pick the largest. See docs/sizing.md.
 */
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/progress.js';
import type { Dataset, IOSpec, StudentFamily } from '../core/types.js';
import type { WeightPrecision } from '../students/sizing.js';
import { candidatesOf } from './candidates.js';
import { createTargetMeasurer } from './measure.js';
import { candidateTable, type SizingReport } from './report.js';
import { closestCandidate, searchCandidates, type CandidateRow } from './search.js';
import { sizingPrecision, weightsOfTarget, type LoadedTarget } from './target-budget.js';

export { applyTargetBudget, loadSizingTarget, weightsOfTarget, type LoadedTarget } from './target-budget.js';
export type { SizingReport } from './report.js';

/** Options of {@link sizeByLatency}. */
export interface LatencySizingOptions {
  family: StudentFamily<any>;
  io: IOSpec;
  target: LoadedTarget;
  /** The run's data: candidates are timed on its images and int8 exports calibrate on it. */
  data: Dataset;
  /** Byte budget (weights at `weights` precision); defaults to the target's. */
  maxBytes?: number;
  weights?: WeightPrecision;
  log: Logger;
}

/** Describes the budget for messages: `p50 ≤ 1 ms, p95 ≤ 2 ms, 1000000 bytes`. */
function describeBudget(b: SizingReport['budget']): string {
  const parts = [];
  if (b.maxP50Ms !== undefined) parts.push(`p50 ≤ ${b.maxP50Ms} ms`);
  if (b.maxP95Ms !== undefined) parts.push(`p95 ≤ ${b.maxP95Ms} ms`);
  if (b.maxBytes !== undefined) parts.push(`≤ ${b.maxBytes} bytes`);
  if (b.maxGzipBytes !== undefined) parts.push(`≤ ${b.maxGzipBytes} gzip bytes`);
  return parts.join(', ');
}

function describeRow(r: CandidateRow): string {
  const m = r.measurement;
  const what = m ? `measured p50 ${m.p50Ms.toFixed(3)} ms, p95 ${m.p95Ms.toFixed(3)} ms, ${m.bytes} bytes` : `${r.estBytes} bytes of weights`;
  return `${r.description} (${r.paramCount} params): ${what}${r.reasons.length ? ` (${r.reasons.join(', ')})` : ''}`;
}

/**
 * Sizes the student to the target by measurement and returns the chosen params and the report for RUN/sizing.json.
 * Nothing fitting is a {@link UserError} showing the closest candidate; a target this machine cannot run is one too.
 */
export async function sizeByLatency(o: LatencySizingOptions): Promise<{ params: unknown; report: SizingReport }> {
  const t0 = performance.now();
  const { target, path } = o.target;
  const budget = { ...target.budget, ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}) };
  if (budget.maxP50Ms === undefined && budget.maxP95Ms === undefined) {
    throw new UserError(`--size-by latency: target ${path} has no latency budget; add budget.maxP50Ms (and/or maxP95Ms) to it, or size by bytes (--size-by bytes)`);
  }
  const weights = o.weights ?? weightsOfTarget(target);
  // The byte filter counts weights at the precision the budget was given in, in the same units as the artifact.
  const candidates = candidatesOf(o.family, o.io, weights);
  if (weights !== weightsOfTarget(target)) o.log.warn(`counting weight bytes at ${weights}, but ${target.id} deploys ${sizingPrecision(target)}`);
  const measurer = await createTargetMeasurer({ family: o.family, io: o.io, target, targetPath: path, data: o.data, log: o.log });
  o.log.info(`sizing ${o.family.name} by latency on ${target.id} (${target.artifact.format} ${sizingPrecision(target)}, ${describeBudget(budget)}${measurer.device?.softwareEmulated ? `; ${measurer.device.description}: a CPU emulation` : ''})`);
  let measured = 0;
  let result;
  try {
    result = await searchCandidates(candidates, budget, async (c) => {
      measured++;
      return measurer.measure(c);
    }, (row) => {
      if (row.measurement || row.verdict === 'error') o.log.info(`  ${describeRow(row)}: ${row.fits ? 'fits' : 'does not fit'}`);
    });
  } finally {
    await measurer.close().catch((e: unknown) => o.log.warn(`closing the browser/server failed: ${(e as Error).message}`));
  }
  const { rows, chosen } = result;
  for (const line of candidateTable(rows, chosen?.description)) o.log.info(`  ${line}`);
  if (!chosen) {
    const closest = closestCandidate(rows);
    const firstError = rows.find((r) => r.verdict === 'error');
    throw new UserError(
      `--target ${path}: no ${o.family.name} student fits ${target.id}'s budget (${describeBudget(budget)}); the closest is ${closest ? describeRow(closest) : 'none'}` +
        (firstError ? `; measuring failed for ${firstError.description}: ${firstError.reasons[0]}` : '') +
        `. Raise the target's budget, or try a smaller family (--student)`,
    );
  }
  o.log.info(`chose ${chosen.description}: ${chosen.paramCount} params, p50 ${chosen.measurement!.p50Ms.toFixed(3)} ms on ${target.id} (${measured} measured of ${rows.length})`);
  const report: SizingReport = {
    by: 'latency',
    family: o.family.name,
    target: {
      id: target.id, path, runtime: target.runtime, host: target.host, backend: target.backend, format: target.artifact.format,
      precision: sizingPrecision(target), cpuThrottling: target.cpuThrottling, ...(measurer.device ? { device: measurer.device } : {}),
    },
    budget,
    plan: measurer.plan,
    candidates: rows,
    chosen: chosen.description,
    measured,
    seconds: (performance.now() - t0) / 1000,
  };
  return { params: chosen.params, report };
}
