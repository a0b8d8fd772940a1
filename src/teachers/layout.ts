import { UserError } from '../core/errors.js';
import type { TensorInfo } from './model.js';

/** The two image tensor layouts. The data and the student are always NHWC. */
export type Layout = 'nhwc' | 'nchw';

/** Channel counts that make a dim look like a channel axis when guessing a layout. */
const CHANNEL_COUNTS = new Set([1, 2, 3, 4]);

function fmt(shape: TensorInfo['shape']): string {
  return `[${(shape ?? []).map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/**
 * The layout a teacher's input uses: the declared one, else the kind's fixed one (tfjs: NHWC), else a guess from the
 * input shape (a channel-sized dim at index 1 and not at 3 is NCHW, and vice versa). An ambiguous shape such as
 * [N, 3, 8, 3] is a UserError asking for `--teacher-layout`.
 */
export function resolveLayout(declared: 'auto' | Layout, kindLayout: Layout | undefined, input: TensorInfo, id: string): { layout: Layout; how: string } {
  const dims = input.shape;
  if (!dims || dims.length !== 4) {
    throw new UserError(`${id}: the teacher's input ${input.name} has shape ${fmt(dims)}; expected an image batch [N, H, W, C] or [N, C, H, W]`);
  }
  if (declared !== 'auto') return { layout: declared, how: 'declared' };
  if (kindLayout) return { layout: kindLayout, how: 'tfjs models are NHWC' };
  const isCh = (d: number | string | null) => typeof d === 'number' && CHANNEL_COUNTS.has(d);
  if (isCh(dims[1]!) && !isCh(dims[3]!)) return { layout: 'nchw', how: `guessed from the input shape ${fmt(dims)}` };
  if (isCh(dims[3]!) && !isCh(dims[1]!)) return { layout: 'nhwc', how: `guessed from the input shape ${fmt(dims)}` };
  throw new UserError(`${id}: cannot tell whether the input ${input.name} ${fmt(dims)} is NCHW or NHWC; declare it with --teacher-layout nchw|nhwc (teacher.layout in a config)`);
}

/**
 * The teacher's input as [h, w, c] (NHWC, as the data is), -1 for dims the file leaves open. A declared `inputShape`
 * fills open dims and must agree with fixed ones.
 */
export function nhwcInputShape(input: TensorInfo, layout: Layout, declared: number[] | undefined, id: string): number[] {
  const d = input.shape!;
  const [h, w, c] = layout === 'nchw' ? [d[2], d[3], d[1]] : [d[1], d[2], d[3]];
  const own = [h, w, c].map((x) => (typeof x === 'number' && x > 0 ? x : -1));
  if (!declared) return own;
  own.forEach((x, i) => {
    if (x !== -1 && x !== declared[i]) {
      throw new UserError(`${id}: teacher.inputShape [${declared.join(', ')}] disagrees with the file's input ${fmt(d)} (${layout.toUpperCase()}: [${own.join(', ')}] as h, w, c); drop --teacher-input-shape or fix it`);
    }
  });
  return [...declared];
}
