import { UserError } from '../core/errors.js';
import type { IOSpec, StudentFamily } from '../core/types.js';
import { countParams } from './layers.js';

/** Bytes per weight when exported at each precision (uint8 adds only a min and a scale per tensor, in model.json). */
export const BYTES_PER_WEIGHT = { float32: 4, float16: 2, uint8: 1 } as const;
export type WeightPrecision = keyof typeof BYTES_PER_WEIGHT;

export interface SizedCandidate<P> {
  params: P;
  description: string;
  paramCount: number;
  bytes: number;
  fits: boolean;
}

/** Parameter count of a family member (builds it and disposes it). */
export function paramCountOf<P>(family: StudentFamily<P>, p: P, io: IOSpec): number {
  const m = family.build(p, io, 1);
  const n = countParams(m);
  m.dispose();
  return n;
}

/**
 * Picks the largest member of `family` whose exported weight bytes at `precision` fit `maxBytes`. Returns every
 * candidate considered (sorted by size) and the choice; a budget no member fits is a {@link UserError} that gives
 * the smallest size that would work.
 */
export function chooseStudent<P>(family: StudentFamily<P>, io: IOSpec, maxBytes: number, precision: WeightPrecision, flag = '--max-bytes'): { chosen: SizedCandidate<P>; candidates: SizedCandidate<P>[] } {
  const candidates = family
    .grid(io)
    .map((params) => {
      const paramCount = paramCountOf(family, params, io);
      const bytes = paramCount * BYTES_PER_WEIGHT[precision];
      return { params, description: family.describe(params), paramCount, bytes, fits: bytes <= maxBytes };
    })
    .sort((a, b) => a.paramCount - b.paramCount);
  const fitting = candidates.filter((c) => c.fits);
  if (fitting.length === 0) {
    const smallest = candidates[0]!;
    throw new UserError(
      `${flag} ${maxBytes}: no ${family.name} student fits; the smallest (${smallest.description}, ${smallest.paramCount} params) needs ${smallest.bytes} bytes at ${precision}. Raise ${flag} to at least ${smallest.bytes}${precision !== 'uint8' ? ' or use --weights uint8' : ''}`,
    );
  }
  return { chosen: fitting.at(-1)!, candidates };
}
