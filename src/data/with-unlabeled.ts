/**
 * Labelled data with unlabeled images next to it (`--data SPEC --unlabeled DIR`): the student learns from both (the
 * teacher's outputs are the targets on every image; labels, where there are any, feed hard-ce), and is validated and
 * tested on the labelled splits. The unlabeled images' held-out part measures agreement with the teacher.
 */
import type * as tfType from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import type { Batch, Dataset, SplitName } from '../core/types.js';

/** A labelled dataset whose train split also holds unlabeled images (label -1), and those images' held-out part. */
export interface WithUnlabeled extends Dataset {
  /** The unlabeled images' held-out part (labels -1), for agreement with the teacher. */
  heldOut: Dataset;
  /** Training samples that carry a label. */
  labeledTrain: number;
}

/** Splits `[from, to)` of the union order into the labelled part (first `n` positions) and the rest. */
function ranges(from: number, to: number, n: number): { a: [number, number]; b: [number, number] } {
  return { a: [Math.min(from, n), Math.min(to, n)], b: [Math.max(from, n) - n, Math.max(to, n) - n] };
}

/**
 * The union of `labeled`'s train split and `unlabeled`'s (positions 0..L−1 the labelled samples, then the unlabeled
 * ones; unlabeled ids shifted past the labelled data's), with `labeled`'s val and test. In stored order the labelled samples come first, then the unlabeled ones (so a
 * teacher cache keyed by index covers both); shuffled, every batch holds both in proportion, each source in its own
 * seeded order.
 */
export function withUnlabeled(tf: typeof tfType, labeled: Dataset, unlabeled: Dataset): WithUnlabeled {
  const [a, b] = [labeled.inputShape, unlabeled.inputShape];
  if (a.join() !== b.join()) throw new UserError(`--unlabeled: the images are read at [${b.join(', ')}] but the labelled data at [${a.join(', ')}]; both must be the same size`);
  const L = labeled.size('train');
  const U = unlabeled.size('train');
  // Batch indices are sample ids (a teacher cache keys its rows by them): the unlabeled images' ids are shifted past
  // every id the labelled data can hand out, so the two never collide.
  const OFF = L + labeled.size('val') + labeled.size('test');
  const concat = (x: Batch, y: Batch): Batch => {
    const out = { x: tf.concat([x.x, y.x]) as tfType.Tensor4D, y: tf.concat([x.y, y.y]) as tfType.Tensor1D, index: Int32Array.from([...(x.index ?? []), ...Array.from(y.index ?? [], (k) => k + OFF)]) };
    tf.dispose([x.x, x.y, y.x, y.y]);
    return out;
  };
  const shift = (y: Batch): Batch => ({ ...y, index: Int32Array.from(y.index ?? [], (k) => k + OFF) });
  return {
    name: `${labeled.name} + ${unlabeled.name}`,
    inputShape: labeled.inputShape,
    numClasses: labeled.numClasses,
    classNames: labeled.classNames,
    labeled: true,
    partialLabels: true,
    labeledTrain: L,
    heldOut: { ...unlabeled, size: (s: SplitName) => (s === 'test' ? unlabeled.size('test') : 0), batches: (s, n, o) => unlabeled.batches(s === 'test' ? 'test' : s, n, o), fingerprint: () => unlabeled.fingerprint() },
    size: (s: SplitName) => (s === 'train' ? L + U : labeled.size(s)),
    async *batches(split, batchSize, opts = {}) {
      if (split !== 'train') {
        yield* labeled.batches(split, batchSize, opts);
        return;
      }
      const from = Math.max(0, opts.offset ?? 0);
      const to = Math.min(L + U, opts.limit ?? L + U);
      if (opts.shuffleSeed === undefined) {
        // Stored order: the labelled samples, then the unlabeled ones (a slice may cross from one to the other).
        const r = ranges(from, to, L);
        if (r.a[1] > r.a[0]) yield* labeled.batches('train', batchSize, { offset: r.a[0], limit: r.a[1] });
        if (r.b[1] > r.b[0]) for await (const y of unlabeled.batches('train', batchSize, { offset: r.b[0], limit: r.b[1] })) yield shift(y);
        return;
      }
      // Shuffled: a `limit` takes each source in proportion; each batch holds both in the same proportion.
      const n = to - from;
      const nl = Math.round((n * L) / (L + U));
      const kl = Math.max(1, Math.round((batchSize * L) / (L + U)));
      const ku = Math.max(1, batchSize - kl);
      const ia = labeled.batches('train', kl, { shuffleSeed: opts.shuffleSeed, limit: nl })[Symbol.asyncIterator]();
      const ib = unlabeled.batches('train', ku, { shuffleSeed: opts.shuffleSeed + 7919, limit: n - nl })[Symbol.asyncIterator]();
      for (;;) {
        const [x, y] = await Promise.all([ia.next(), ib.next()]);
        if (x.done && y.done) return;
        if (x.done) yield shift(y.value);
        else if (y.done) yield x.value;
        else yield concat(x.value, y.value);
      }
    },
    fingerprint: () => `${labeled.fingerprint()}+${unlabeled.fingerprint()}`,
  };
}

/**
 * Unlabeled images alone, made into a dataset the trainer and evaluators take: `numClasses` and class names are the
 * teacher's, val and test are the held-out images, and their labels are the teacher's top-1 predictions (`targets`),
 * so "accuracy" there is top-1 agreement with the teacher. Train labels stay -1 (hard-ce is refused on them).
 */
export function teacherLabelled(tf: typeof tfType, unlabeled: Dataset, classNames: string[], targets: Int32Array): Dataset {
  const held = unlabeled.size('test');
  if (targets.length !== held) throw new Error(`teacher targets for ${targets.length} of ${held} held-out images`);
  return {
    name: unlabeled.name,
    inputShape: unlabeled.inputShape,
    numClasses: classNames.length,
    classNames,
    labeled: false,
    size: (s: SplitName) => (s === 'train' ? unlabeled.size('train') : held),
    async *batches(split, batchSize, opts = {}) {
      if (split === 'train') {
        yield* unlabeled.batches('train', batchSize, opts);
        return;
      }
      if (opts.shuffleSeed !== undefined) throw new Error('the held-out unlabeled images are read in their stored order');
      let k = Math.max(0, opts.offset ?? 0);
      for await (const b of unlabeled.batches('test', batchSize, opts)) {
        const n = b.y.shape[0];
        b.y.dispose();
        yield { ...b, y: tf.tensor1d(targets.subarray(k, k + n), 'int32') };
        k += n;
      }
    },
    fingerprint: () => unlabeled.fingerprint(),
  };
}
