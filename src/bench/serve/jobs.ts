/**
 * What a served device runs: one job per (browser target, student artifact it takes), the same page program, model
 * files, timing plan and batch sizes as the Chromium target would use. Targets that emulate a device (CPU or network
 * throttling) are left out: a real device is the thing they stand in for.
 */
import type { TimingPlan } from '../harness.js';
import { latencyPlan, throughputPlan } from '../plan.js';
import type { TargetPlan } from '../rows.js';
import type { Target } from '../../config/target.js';
import type { ModelRef } from '../types.js';

/** One job of a device, as the bundle's jobs.json lists it (URLs are filled in by the bundle). */
export interface DeviceJob {
  /** "j0", "j1", ... */
  id: string;
  /** The target whose settings the job runs (runtime, backend, threads, timing, batch sizes). */
  target: string;
  runtime: Target['runtime'];
  backend: Target['backend'];
  threads: number;
  /** Index of the student artifact in the export manifest. */
  artifact: number;
  plan: TimingPlan;
  throughputPlan: TimingPlan;
  batchSizes: number[];
}

/** The jobs of the selected browser targets, deduplicated by (runtime, backend, threads, artifact). */
export function deviceJobs(plans: TargetPlan[], students: ModelRef[], quick: boolean): DeviceJob[] {
  const jobs: DeviceJob[] = [];
  const seen = new Set<string>();
  for (const { target, students: mine } of plans) {
    if (target.host !== 'chromium' || target.cpuThrottling > 1 || target.network !== undefined) continue;
    for (const s of mine) {
      const artifact = students.indexOf(s);
      const key = `${target.runtime}/${target.backend}/${target.threads}/${artifact}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const plan = latencyPlan(target, quick);
      jobs.push({
        id: `j${jobs.length}`, target: target.id, runtime: target.runtime, backend: target.backend, threads: target.threads, artifact,
        plan, throughputPlan: throughputPlan(plan), batchSizes: target.batchSizes,
      });
    }
  }
  return jobs;
}
