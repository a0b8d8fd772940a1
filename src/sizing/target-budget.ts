/**
 * `--target T` on distill: the target's byte budget, counted at the precision the target's artifact uses, becomes
 * the student's byte budget unless the config already gives one.
 */
import { UserError } from '../core/errors.js';
import { targetPrecisions, type Target } from '../config/target.js';
import { loadBenchTarget } from '../bench/targets.js';
import type { WeightPrecision } from '../students/sizing.js';

/** Bytes-per-weight class of each artifact precision (int8 and uint8 are one byte a weight, uint16 two). */
const WEIGHTS_OF_PRECISION: Record<string, WeightPrecision> = { fp32: 'float32', float16: 'float16', uint16: 'float16', uint8: 'uint8', int8: 'uint8' };

/**
 * The artifact precision a target is sized for: its first listed one (a target listing several, e.g.
 * `["int8", "fp32"]`, is sized for the one it names first; put the deployed one first).
 */
export function sizingPrecision(target: Target): string {
  return targetPrecisions(target)[0]!;
}

/** How a target's precision counts weight bytes. */
export function weightsOfTarget(target: Target): WeightPrecision {
  return WEIGHTS_OF_PRECISION[sizingPrecision(target)]!;
}

/** A loaded target and the path it came from. */
export interface LoadedTarget {
  path: string;
  target: Target;
}

/** Loads `student.target`; a missing or invalid file is the loader's error, named after the flag. */
export async function loadSizingTarget(path: string): Promise<LoadedTarget> {
  try {
    return { path, target: await loadBenchTarget(path) };
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--target ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Fills `student.maxBytes` and `student.weights` of a raw (not yet validated) distill config from its
 * `student.target`, leaving values the config sets explicitly alone. Returns the config (a copy when changed) and
 * the loaded target. A config without a target is returned as is.
 */
export async function applyTargetBudget(raw: unknown): Promise<{ config: unknown; target?: LoadedTarget }> {
  const student = (raw as { student?: Record<string, unknown> } | null)?.student;
  if (typeof student !== 'object' || student === null || typeof student.target !== 'string') return { config: raw };
  const loaded = await loadSizingTarget(student.target);
  const next = structuredClone(raw) as { student: Record<string, unknown> };
  const { budget } = loaded.target;
  if (next.student.maxBytes === undefined && budget.maxBytes !== undefined) next.student.maxBytes = budget.maxBytes;
  if (next.student.weights === undefined) next.student.weights = weightsOfTarget(loaded.target);
  return { config: next, target: loaded };
}
