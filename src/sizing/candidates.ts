/** The members of a student family as sizing candidates: built once each for their parameter count. */
import type { IOSpec, StudentFamily } from '../core/types.js';
import { BYTES_PER_WEIGHT, paramCountOf, type WeightPrecision } from '../students/sizing.js';

/** A family member considered for a latency budget. */
export interface Candidate<P = unknown> {
  params: P;
  description: string;
  paramCount: number;
  /** Weight bytes at the target's precision (a lower bound of the artifact's size: the graph adds a little). */
  estBytes: number;
  /** Members of one group differ only in width, so latency grows with parameters inside a group. */
  group: string;
}

/** The knob that scales a family's width (layers keep their count, each gets wider). */
const WIDTH_KNOBS = ['width', 'hidden'];

/** The group of a member: its params without the width knob (e.g. `{"depth":2}`); families without one form one group. */
export function groupOf(params: unknown): string {
  if (typeof params !== 'object' || params === null) return '';
  const rest = Object.entries(params as Record<string, unknown>).filter(([k]) => !WIDTH_KNOBS.includes(k));
  return JSON.stringify(Object.fromEntries(rest.sort(([a], [b]) => a.localeCompare(b))));
}

/** Every member of `family`'s grid as a candidate, counted at `precision`, smallest first. */
export function candidatesOf<P>(family: StudentFamily<P>, io: IOSpec, precision: WeightPrecision): Candidate<P>[] {
  return family
    .grid(io)
    .map((params) => {
      const paramCount = paramCountOf(family, params, io);
      return { params, description: family.describe(params), paramCount, estBytes: paramCount * BYTES_PER_WEIGHT[precision], group: groupOf(params) };
    })
    .sort((a, b) => a.paramCount - b.paramCount);
}
