/** Measures a bench's planned rows, target by target, with the resources (server, browser) they share. */
import { createProgress, type Logger } from '../core/progress.js';
import { artifactSummary, benchModel, type Measured } from './bench-one.js';
import type { BenchInputs } from './inputs.js';
import { createResources } from './resources.js';
import type { BenchRow, TargetSummary } from './results.js';
import { plannedModels, skippedRow, type TargetPlan } from './rows.js';
import { runnerFor } from './runners/registry.js';
import type { TeacherSource } from './teacher-source.js';
import type { RunnerContext } from './types.js';

/** The rows as measured, each target as benchmarked, and the predictions behind the rows' accuracy. */
export interface MeasuredBench {
  summaries: TargetSummary[];
  rows: BenchRow[];
  /** Kept in memory for agreement with the teacher; not written. */
  predictions: Map<BenchRow, Int32Array>;
}

/** Where one target's rows go as they are measured. */
type Push = (m: Measured) => void;

function summaryOf({ path, target }: TargetPlan): TargetSummary {
  return {
    id: target.id, description: target.description, file: path, runtime: target.runtime, host: target.host, backend: target.backend,
    threads: target.threads, cpuThrottling: target.cpuThrottling, batchSizes: target.batchSizes, budget: target.budget, status: 'ok',
  };
}

/**
 * Probes one target and measures its rows in order: its student artifacts (or the row saying it takes none), then
 * the teacher. A target this machine cannot run gets skipped rows with the probe's reason. Throws `signal.reason` once
 * `signal` has aborted. Returns the target's summary.
 */
export async function measureTarget(plan: TargetPlan, ctx: RunnerContext, teachers: TeacherSource, quick: boolean, push: Push, signal?: AbortSignal): Promise<TargetSummary> {
  const { target } = plan;
  const summary = summaryOf(plan);
  const runner = runnerFor(target);
  const probe = runner ? await runner.probe(target, ctx) : { ok: false as const, reason: `no runner for ${target.runtime} on ${target.host} with ${target.backend}` };
  // A probe that failed because the bench is being stopped (the browser closed under it) is no reason to report.
  signal?.throwIfAborted();
  if (!probe.ok) {
    summary.status = 'skipped';
    summary.reason = probe.reason;
    ctx.log.info(`${target.id}: skipped: ${probe.reason}`);
    for (const s of plan.students) push({ row: skippedRow(target.id, 'student', probe.reason, artifactSummary(s)) });
    if (plan.noStudent) push({ row: skippedRow(target.id, 'student', plan.noStudent) });
    push({ row: skippedRow(target.id, 'teacher', probe.reason) });
    return summary;
  }
  if (probe.device) summary.device = probe.device;
  if (plan.noStudent) push({ row: skippedRow(target.id, 'student', plan.noStudent) });
  for (const s of plan.students) push(await benchModel(runner!, s, target, ctx, quick));
  const teacher = await teachers.forTarget(target);
  if (teacher.skip) push({ row: skippedRow(target.id, 'teacher', teacher.skip) });
  if (teacher.ref) push(await benchModel(runner!, teacher.ref, target, teachers.context(ctx), quick));
  return summary;
}

/**
 * Measures every planned target in order, with a progress bar (unless `quiet`), then closes the shared browser and
 * server and removes the teacher's ONNX export, also when a measurement throws. When `signal` aborts, the browser and
 * server are closed at once (so a page waiting in Chromium gives up) and the next row throws `signal.reason`: the
 * rows failing because of that are never reported as measurements.
 */
export async function measureAll(
  inputs: BenchInputs,
  plans: TargetPlan[],
  teachers: TeacherSource,
  opts: { log: Logger; quiet: boolean; signal?: AbortSignal },
): Promise<MeasuredBench> {
  const { log, signal } = opts;
  const ctx: RunnerContext = { data: inputs.data, log, resources: createResources() };
  const out: MeasuredBench = { summaries: [], rows: [], predictions: new Map() };
  const progress = createProgress({ label: 'bench', total: plannedModels(plans), unit: 'models', quiet: opts.quiet });
  const closeAll = () => ctx.resources.closeAll().catch((e: unknown) => log.warn(`closing the browser/server failed: ${(e as Error).message}`));
  const onAbort = () => void closeAll();
  signal?.addEventListener('abort', onAbort, { once: true });
  const push: Push = (m) => {
    signal?.throwIfAborted();
    out.rows.push(m.row);
    if (m.predictions) out.predictions.set(m.row, m.predictions);
    progress.tick(1, `${m.row.target} ${m.row.model}${m.row.latency ? ` p50 ${m.row.latency.p50.toFixed(3)} ms` : ` ${m.row.status}`}`);
  };
  try {
    for (const plan of plans) {
      signal?.throwIfAborted();
      out.summaries.push(await measureTarget(plan, ctx, teachers, inputs.quick, push, signal));
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    progress.done();
    await closeAll();
    await teachers.cleanup();
  }
  return out;
}
