/** The rows a bench will have: per target, the student artifacts it takes (or why it takes none), then the teacher. */
import { targetPrecisions, type Target } from '../config/target.js';
import type { BenchRow } from './results.js';
import type { LoadedTarget } from './inputs.js';
import type { ModelRef } from './types.js';

/** One target's share of the bench. */
export interface TargetPlan extends LoadedTarget {
  /** The student artifacts this target takes, in the manifest's order. */
  students: ModelRef[];
  /** When it takes none: why (the reason of its skipped student row). */
  noStudent?: string;
}

/** Whether a student artifact is one the target takes (format and one of its precisions). */
export function takes(t: Target, s: ModelRef): boolean {
  return s.artifact.format === t.artifact.format && targetPrecisions(t).includes(s.artifact.precision);
}

/** Plans every target's rows, in the targets' order. */
export function planTargets(targets: LoadedTarget[], students: ModelRef[]): TargetPlan[] {
  return targets.map((l) => {
    const mine = students.filter((s) => takes(l.target, s));
    return { ...l, students: mine, ...(mine.length ? {} : { noStudent: noStudentReason(l.target, students) }) };
  });
}

/** Models the progress bar counts: each target's students and its teacher. */
export function plannedModels(plans: TargetPlan[]): number {
  return plans.reduce((n, p) => n + 1 + p.students.length, 0);
}

/** A row that was not measured, with the reason. */
export function skippedRow(target: string, model: BenchRow['model'], reason: string, artifact?: BenchRow['artifact']): BenchRow {
  return { target, model, ...(artifact ? { artifact } : {}), status: 'skipped', reason, notes: [] };
}

function noStudentReason(target: Target, students: ModelRef[]): string {
  const have = [...new Set(students.map((s) => `${s.artifact.format}/${s.artifact.precision}`))].join(', ');
  return `the export has no ${target.artifact.format} artifact at ${targetPrecisions(target).join(' or ')} (it has ${have})`;
}
