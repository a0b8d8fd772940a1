/** Turns a device's posted job outcome into a results.json row, with the statistics Node computes for every row. */
import { artifactSummary, latencyStats } from '../bench-one.js';
import { accuracy, type BenchRow, type ServedDevice, type ThroughputEntry } from '../results.js';
import type { ModelRef, TestData } from '../types.js';
import type { DeviceJob } from './jobs.js';
import type { JobPost } from './posts.js';

/** A results post that is well-formed but does not fit the job (wrong prediction count): refused with this message. */
export class PostMismatch extends Error {}

/** The row of `post` (a job of the device labelled `device.label`); accuracy against the labels the server kept. */
export function deviceRow(post: JobPost, job: DeviceJob, ref: ModelRef, data: TestData, device: ServedDevice): BenchRow {
  const base = { target: `${device.label}/${job.target}`, model: ref.role, artifact: artifactSummary(ref), servedDevice: device.label };
  if (post.status !== 'ok') return { ...base, status: post.status, reason: post.reason!, notes: [] };
  const r = post.result!;
  if (r.predictions.length !== data.n) throw new PostMismatch(`result.predictions: expected ${data.n} predictions (the bundle's test images), got ${r.predictions.length}`);
  const { opened } = r;
  const notes = [...opened.notes];
  if (!device.secureContext) notes.push('not a secure context (plain http from another address): no WebGPU, no wasm threads');
  else if (!device.crossOriginIsolated) notes.push('not cross-origin isolated: wasm runs single-threaded');
  const latency = r.latency ? latencyStats(r.latency, 1) : undefined;
  if (!latency) notes.push(`latency at batch 1 not measured: the model has a fixed batch size of ${opened.fixedBatch}`);
  const throughput: ThroughputEntry[] = job.batchSizes.map((batch) => {
    const t = r.throughput.find((x) => x.batch === batch);
    if (!t) return { batch, status: 'skipped', reason: `the model has a fixed batch size of ${opened.fixedBatch}` };
    if (!t.samples) return { batch, status: 'error', reason: t.error ?? 'no samples' };
    const l = batch === 1 && latency ? latency : latencyStats(t.samples, batch);
    return { batch, status: 'ok', samplesPerSec: (batch / l.mean) * 1000, latency: l };
  });
  const pred = Int32Array.from(r.predictions);
  return {
    ...base,
    status: 'ok',
    runtime: `${opened.runtimeVersion} on ${device.label}`,
    device: opened.device,
    load: { runtimeInitMs: opened.runtimeInitMs, coldLoadMs: opened.coldLoadMs },
    firstPrediction: opened.firstPrediction,
    ...(latency ? { latency } : {}),
    throughput,
    ...(r.memory ? { memory: r.memory } : {}),
    ...(data.y.some((y) => y >= 0) ? { accuracy: accuracy(pred, data.y.subarray(0, pred.length), data.classNames.length) } : {}),
    notes,
  };
}
