/**
 * The data an export is checked on: the held-out (test) batch for parity and accuracy, and training images for int8
 * calibration, opened exactly as the distill stage opened them (same spec, split seed and normalisation). Without
 * data, parity runs on seeded random inputs (no accuracy, no int8).
 */
import type * as tfType from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import type { Dataset, SplitName } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { createRng } from '../core/random.js';
import { openDataConfig } from '../data/index.js';
import type { ParityInputs } from './parity/runners.js';
import { DATA_DEFAULTS, type DataSpec as RunDataSpec } from '../config/schema.js';
import { loadTf } from '../runtime/backend.js';
import { studentInputShape, studentView } from '../data/student-view.js';

/** A data spec as in a run's config.json `data` field (or `--data SPEC`), every field but the spec optional. */
export interface DataSpec extends Partial<Omit<RunDataSpec, 'spec'>> {
  spec: string;
  /** The student's own input size: the data's images resized to it (src/data/student-view.ts), as in training. */
  studentInput?: number[];
}

/** Data for an export: a spec to open, or an already open {@link Dataset}. */
export type ExportData = DataSpec | Dataset;

/** The labelled parity batch. */
export interface LabelledBatch extends ParityInputs {
  labels: Int32Array | undefined;
  /** Human-readable origin, recorded in parity.json. */
  origin: string;
  split: SplitName | null;
}

/** True when `d` is an open {@link Dataset} rather than a spec. */
export const isOpenDataset = (d: ExportData): d is Dataset => typeof (d as Dataset).batches === 'function';

/** Opens `data` for a model taking `inputShape`; a shape mismatch is a {@link UserError}. */
export async function openExportData(data: ExportData, inputShape: number[], log?: Logger): Promise<{ dataset: Dataset; spec: Omit<DataSpec, 'seed'> & { seed: number | null } }> {
  // An open Dataset's split seed is not known here (null); a spec defaults to the config's default split seed.
  const spec = isOpenDataset(data) ? { spec: data.name, seed: null } : { ...data, seed: data.seed ?? DATA_DEFAULTS.seed };
  const opened = isOpenDataset(data)
    ? data
    : await openDataConfig({ ...data, seed: data.seed ?? DATA_DEFAULTS.seed }, { inputShape, ...(log ? { log } : {}) });
  const studentInput = isOpenDataset(data) ? undefined : data.studentInput;
  const dataset = studentInput ? studentView(await loadTf(), opened, studentInputShape(opened.inputShape, studentInput)) : opened;
  if (dataset.inputShape.join(',') !== inputShape.join(',')) {
    throw new UserError(`the model takes inputs of shape [${inputShape.join(', ')}] but data "${spec.spec}" gives [${dataset.inputShape.join(', ')}]; export with the data the model was trained on`);
  }
  return { dataset, spec };
}

async function collect(dataset: Dataset, split: SplitName, n: number, shuffleSeed?: number): Promise<{ x: Float32Array; y: Int32Array; dims: number[] }> {
  const xs: Float32Array[] = [];
  const ys: Int32Array[] = [];
  let count = 0;
  for await (const b of dataset.batches(split, 128, { limit: n, ...(shuffleSeed === undefined ? {} : { shuffleSeed }) })) {
    xs.push((await b.x.data()) as Float32Array);
    ys.push((await b.y.data()) as Int32Array);
    count += b.x.shape[0];
    b.x.dispose();
    b.y.dispose();
  }
  const x = new Float32Array(xs.reduce((a, v) => a + v.length, 0));
  let o = 0;
  for (const v of xs) {
    x.set(v, o);
    o += v.length;
  }
  const y = new Int32Array(count);
  o = 0;
  for (const v of ys) {
    y.set(v, o);
    o += v.length;
  }
  return { x, y, dims: [count, ...dataset.inputShape] };
}

/** Up to `n` held-out images with labels: the test split (the val split when there is no test split). */
export async function parityBatch(dataset: Dataset, n: number, seed: number | null): Promise<LabelledBatch> {
  const split: SplitName | undefined = dataset.size('test') > 0 ? 'test' : dataset.size('val') > 0 ? 'val' : undefined;
  if (!split) throw new UserError(`data "${dataset.name}" has no test or validation images to check the export on`);
  const { x, y, dims } = await collect(dataset, split, n);
  return { x, dims, labels: y, split, origin: `${dataset.name} ${split} split${seed === null ? '' : ` (split seed ${seed})`}, first ${dims[0]} images` };
}

/** `n` seeded uniform [0, 1) inputs (no labels), for models exported without data. */
export function randomBatch(inputShape: number[], n: number, seed: number): LabelledBatch {
  const rng = createRng(seed);
  const dims = [n, ...inputShape];
  const x = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng());
  return { x, dims, labels: undefined, split: null, origin: `seeded uniform [0, 1) random inputs (seed ${seed}); no data given, so no accuracy` };
}

/** Up to `n` training images, in a seeded shuffled order (so every class is represented), as one NHWC tensor. */
export async function calibrationImages(tf: typeof tfType, dataset: Dataset, n: number, seed: number | null): Promise<tfType.Tensor4D> {
  if (dataset.size('train') === 0) throw new UserError(`data "${dataset.name}" has no training images for int8 calibration`);
  const { x, dims } = await collect(dataset, 'train', n, seed ?? DATA_DEFAULTS.seed);
  const t: tfType.Tensor = tf.tensor(x, dims);
  return t as tfType.Tensor4D;
}
