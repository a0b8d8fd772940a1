/** Benchmarks one model artifact on one target: load, latency, throughput, accuracy, memory. */
import type { Target } from '../config/target.js';
import type { TimingSamples } from './harness.js';
import { latencyPlan, throughputPlan } from './plan.js';
import { accuracy, type ArtifactSummary, type BenchRow, type LatencyStats, type ThroughputEntry } from './results.js';
import { summarize } from './stats.js';
import type { ModelRef, Runner, RunnerContext } from './types.js';

/** A measured row and the predictions behind its accuracy (kept in memory for agreement, not written). */
export interface Measured {
  row: BenchRow;
  predictions?: Int32Array;
}

/** The artifact fields a report needs. */
export function artifactSummary(ref: ModelRef): ArtifactSummary {
  const a = ref.artifact;
  return { format: a.format, precision: a.precision, dir: a.dir, entry: a.entry, bytes: a.bytes, gzipBytes: a.gzipBytes, layout: a.layout ?? 'nhwc' };
}

/** Latency statistics of a timing run at `batch`. */
export function latencyStats(t: TimingSamples, batch: number): LatencyStats {
  return { batch, ...summarize(t.samplesMs), callsPerSample: t.callsPerSample, clockResolutionMs: t.clockResolutionMs, calls: t.calls };
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Opens `ref` with `runner` on `target` and measures it; a failure becomes an error row, never an exception. */
export async function benchModel(runner: Runner, ref: ModelRef, target: Target, ctx: RunnerContext, quick: boolean): Promise<Measured> {
  const base = { target: target.id, model: ref.role, artifact: artifactSummary(ref) };
  let session;
  try {
    session = await runner.open(ref, target, ctx);
  } catch (e) {
    return { row: { ...base, status: 'error', reason: `could not open the model: ${firstLine(e)}`, notes: [] } };
  }
  const info = session.info;
  const notes = [...info.notes];
  try {
    const plan = latencyPlan(target, quick);
    let latency: LatencyStats | undefined;
    if (info.fixedBatch !== undefined && info.fixedBatch !== 1) {
      notes.push(`latency at batch 1 not measured: the model has a fixed batch size of ${info.fixedBatch}`);
    } else {
      latency = latencyStats(await session.time(1, plan), 1);
    }
    const throughput: ThroughputEntry[] = [];
    for (const batch of target.batchSizes) {
      if (info.fixedBatch !== undefined && batch !== info.fixedBatch) {
        throughput.push({ batch, status: 'skipped', reason: `the model has a fixed batch size of ${info.fixedBatch}` });
        continue;
      }
      try {
        const l = batch === 1 && latency ? latency : latencyStats(await session.time(batch, throughputPlan(plan)), batch);
        throughput.push({ batch, status: 'ok', samplesPerSec: (batch / l.mean) * 1000, latency: l });
      } catch (e) {
        throughput.push({ batch, status: 'error', reason: firstLine(e) });
      }
    }
    const predictions = await session.predict(ctx.data.n);
    const memory = await session.memory();
    const row: BenchRow = {
      ...base,
      status: 'ok',
      runtime: info.runtimeVersion,
      ...(info.device ? { device: info.device } : {}),
      load: { runtimeInitMs: info.runtimeInitMs, coldLoadMs: info.coldLoadMs },
      ...(info.firstPrediction ? { firstPrediction: info.firstPrediction } : {}),
      ...(latency ? { latency } : {}),
      throughput,
      ...(memory ? { memory } : {}),
      // Images without labels (label -1) have no accuracy; agreement with the teacher still comes across rows.
      ...(ctx.data.y.some((y) => y >= 0) ? { accuracy: accuracy(predictions, ctx.data.y.subarray(0, predictions.length), ctx.data.classNames.length) } : {}),
      notes,
    };
    return { row, predictions };
  } catch (e) {
    return { row: { ...base, status: 'error', runtime: info.runtimeVersion, reason: firstLine(e), notes } };
  } finally {
    await session.dispose().catch(() => undefined);
  }
}
