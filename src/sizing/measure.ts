/**
 * The real measurer: exports an untrained candidate to the target's artifact format and precision (latency does
 * not depend on weight values) and times it at batch 1 with the target's bench runner. One browser and one local
 * server serve every candidate (the bench's shared resources), and are closed by {@link TargetMeasurer.close}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/progress.js';
import type { Dataset, IOSpec, StudentFamily } from '../core/types.js';
import type { Target } from '../config/target.js';
import type { TimingPlan } from '../bench/harness.js';
import type { DeviceInfo, RunnerContext, TestData } from '../bench/types.js';
import { loadTf } from '../runtime/backend.js';
import type { Candidate } from './candidates.js';
import type { Measurement } from './search.js';
import { sizingPrecision } from './target-budget.js';

/** Test images handed to the runner (inputs to time on; accuracy of untrained models means nothing). */
const TEST_IMAGES = 32;

/**
 * The timing plan for sizing: the bench's quick plan (short warm-up, ~1 s of sampling) but with at least 20
 * samples and 400 ms of sampling, so the p50 is stable enough to rank candidates; throttled targets keep their long
 * samples.
 */
export async function sizingPlan(target: Target): Promise<TimingPlan> {
  const { latencyPlan } = await import('../bench/plan.js');
  const q = latencyPlan(target, true);
  return { ...q, minIterations: Math.max(q.minIterations, 20), minTimeMs: Math.max(q.minTimeMs, 400), maxTimeMs: Math.max(q.maxTimeMs, 1500) };
}

/** Up to `n` test images of `data` as flat arrays, as a bench session takes them (the val split if there is no test split). */
export async function testDataOf(data: Dataset, n: number): Promise<TestData> {
  const split = data.size('test') > 0 ? 'test' : 'val';
  const [h, w, c] = data.inputShape as [number, number, number];
  const per = h * w * c;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  let k = 0;
  for await (const b of data.batches(split, n, { limit: n })) {
    x.set(await b.x.data(), k * per);
    y.set(await b.y.data(), k);
    k += b.y.shape[0];
    b.x.dispose();
    b.y.dispose();
  }
  if (k === 0) throw new UserError(`data ${data.name}: no test or validation images to time the candidates on`);
  return { x: x.subarray(0, k * per), y: y.subarray(0, k), n: k, shape: [h, w, c], classNames: data.classNames };
}

/** Measures candidates of one family on one target. */
export interface TargetMeasurer {
  /** What the target runs on here (e.g. SwiftShader for Chromium GPU backends). */
  device?: DeviceInfo;
  plan: TimingPlan;
  measure(c: Candidate): Promise<Measurement>;
  /** Closes the browser and server, if any were started. */
  close(): Promise<void>;
}

/**
 * Prepares measuring on `target`: finds its runner and probes it. A target this machine cannot run is a
 * {@link UserError} naming why.
 */
export async function createTargetMeasurer(o: { family: StudentFamily<any>; io: IOSpec; target: Target; targetPath: string; data: Dataset; log?: Logger }): Promise<TargetMeasurer> {
  const { target } = o;
  const [{ runnerFor }, { createResources }, { exportModel }] = await Promise.all([
    import('../bench/runners/registry.js'),
    import('../bench/resources.js'),
    import('../export/index.js'),
  ]);
  const runner = runnerFor(target);
  if (!runner) throw new UserError(`--target ${o.targetPath}: no bench runner for ${target.runtime} on ${target.host} with ${target.backend}; size by bytes instead (--size-by bytes)`);
  const ctx: RunnerContext = { data: await testDataOf(o.data, TEST_IMAGES), log: o.log ?? silentLogger, resources: createResources() };
  const tf = await loadTf();
  // The node-tfjs runner makes the target's backend the active one; training must continue on its own backend.
  const trainingBackend = tf.getBackend();
  const restore = async () => {
    if (tf.getBackend() !== trainingBackend) await tf.setBackend(trainingBackend);
  };
  const close = async () => {
    await ctx.resources.closeAll();
    await restore();
  };
  const probe = await runner.probe(target, ctx);
  if (!probe.ok) {
    await close().catch(() => undefined);
    throw new UserError(`--target ${o.targetPath}: ${target.id} cannot run on this machine (${probe.reason}); pick a target it can run, or size by bytes (--size-by bytes)`);
  }
  await restore();
  const plan = await sizingPlan(target);
  const precision = sizingPrecision(target);
  return {
    ...(probe.device ? { device: probe.device } : {}),
    plan,
    close,
    async measure(c) {
      const dir = await mkdtemp(join(tmpdir(), 'ed-sizing-'));
      const model = o.family.build(c.params, o.io, 1);
      try {
        const manifest = await exportModel({
          model,
          out: join(dir, 'export'),
          formats: [target.artifact.format],
          precisions: [precision],
          // int8 calibrates on the run's training images; the parity batch stays small since only speed matters here.
          data: o.data,
          paritySamples: 32,
          calibration: 32,
          // An untrained model's near-tied logits make quantized top-1 agreement meaningless; only fp32 parity is kept.
          minAgreement: 0,
        });
        const artifact = manifest.artifacts[0];
        if (!artifact) throw new Error(`the export wrote no ${target.artifact.format}-${precision} artifact (${manifest.skipped.map((s) => s.reason).join('; ')})`);
        const session = await runner.open({ role: 'student', artifact, dir: join(dir, 'export', artifact.dir) }, target, ctx);
        try {
          const t = await session.time(1, plan);
          const { percentile } = await import('../bench/stats.js');
          return { bytes: artifact.bytes, gzipBytes: artifact.gzipBytes, p50Ms: percentile(t.samplesMs, 0.5), p95Ms: percentile(t.samplesMs, 0.95), samples: t.samplesMs.length };
        } finally {
          await session.dispose().catch(() => undefined);
        }
      } finally {
        model.dispose();
        await restore();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
