import type { Target } from '../config/target.js';
import type { TimingPlan } from './harness.js';

/** The quick plan's ceilings (`--quick` and tests): seconds per target instead of minutes. */
const QUICK: TimingPlan = { warmupIterations: 3, warmupMs: 200, minIterations: 10, minTimeMs: 200, maxTimeMs: 1000, targetRelCi: 0.05, minSampleMs: 20 };

/** The batch-1 latency plan of a target; `quick` caps every knob (keeping throttled targets' long samples). */
export function latencyPlan(target: Target, quick: boolean): TimingPlan {
  const t = target.timing;
  if (!quick) return { ...t };
  return {
    warmupIterations: Math.min(t.warmupIterations, QUICK.warmupIterations),
    warmupMs: Math.min(t.warmupMs, QUICK.warmupMs),
    minIterations: Math.min(t.minIterations, QUICK.minIterations),
    minTimeMs: Math.min(t.minTimeMs, QUICK.minTimeMs),
    maxTimeMs: Math.min(t.maxTimeMs, QUICK.maxTimeMs),
    targetRelCi: Math.max(t.targetRelCi, QUICK.targetRelCi),
    minSampleMs: Math.min(t.minSampleMs, QUICK.minSampleMs),
  };
}

/**
 * The throughput plan: a third of the samples and half the time of the latency plan, since a mean over larger
 * batches is steadier and the model is already warm.
 */
export function throughputPlan(latency: TimingPlan): TimingPlan {
  return {
    ...latency,
    warmupIterations: Math.min(latency.warmupIterations, 3),
    warmupMs: latency.warmupMs / 4,
    minIterations: Math.max(3, Math.ceil(latency.minIterations / 3)),
    minTimeMs: latency.minTimeMs / 2,
    maxTimeMs: Math.max(latency.maxTimeMs / 2, latency.minTimeMs / 2),
  };
}
