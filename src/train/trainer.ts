import * as tf from '@tensorflow/tfjs';
import { DivergedError, UserError } from '../core/errors.js';
import type { Batch, Dataset, LossContext, Outputs, Teacher } from '../core/types.js';
import { createProgress, type Logger } from '../core/progress.js';
import { closestNames } from '../core/names.js';
import type { AugmentOpConfig, LossConfig, TrainConfig } from '../config/schema.js';
import { buildLoss, missingTeacherError } from '../losses/index.js';
import { Adam, clipByGlobalNorm, cosineWithWarmup } from './adam.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { agreementOf, predictSplit, predictTeacherSplit } from './evaluate.js';
import { liveTeacherOutputs, type TeacherOutputs, type TeacherViews } from '../teachers/outputs.js';
import { resizeImages, studentView } from '../data/student-view.js';
import { augmentSpec, buildAugment } from '../data/augment/index.js';
import { checkAugment } from './augment-check.js';

/** One epoch's record in metrics.json. */
export interface EpochRecord {
  epoch: number;
  /** Mean combined loss over the epoch's steps. */
  trainLoss: number;
  /** Learning rate at the epoch's last step. */
  lr: number;
  valAccuracy: number;
  teacherValAccuracy?: number;
  /** Top-1 agreement of student and teacher on the val split. */
  valAgreement?: number;
  seconds: number;
}

export interface TrainInput {
  student: tf.LayersModel;
  teacher?: Teacher | undefined;
  /** Where training batches get the teacher's outputs (e.g. a teacher cache); default: the live teacher. */
  teacherOutputs?: TeacherOutputs | undefined;
  data: Dataset;
  loss: LossConfig;
  train: TrainConfig;
  /** Use at most this many training samples per epoch. */
  trainLimit?: number | undefined;
  /** The student's own [h, w, c] when it differs from the data's: each batch is resized for it, the teacher keeps the data's. */
  studentInput?: number[] | undefined;
  /** Where to checkpoint each epoch (and resume from, when it holds one). */
  checkpointDir?: string | undefined;
  log: Logger;
  quiet?: boolean;
  /** Called after each epoch (and its checkpoint) with the epoch's record. */
  onEpoch?: (rec: EpochRecord) => void;
  /** Stops training (with an AbortError) at the next step or epoch boundary; the last checkpoint stays. */
  signal?: AbortSignal;
}

export interface TrainResult {
  history: EpochRecord[];
  /** Epoch the run resumed after (0 for a fresh run). */
  resumedFrom: number;
}

/** Shapes of the named layer outputs, without the batch dimension; unknown names are a UserError. */
function studentTap(model: tf.LayersModel, name: string): tf.SymbolicTensor {
  try {
    return model.getLayer(name).output as tf.SymbolicTensor;
  } catch {
    const names = model.layers.map((l) => l.name);
    throw new UserError(`student has no layer "${name}" to tap (nearest: ${closestNames(name, names).join(', ')})`);
  }
}

/** A batch's sample indices, which a replayed view needs. */
function batchIndex(b: Batch): Int32Array {
  if (!b.index) throw new Error('teacher views: the batch carries no sample indices');
  return b.index;
}

/**
 * Refuses a cache of views that the run would read wrongly: its views made by other augmentation than the run's
 * (the student would see other images than the teacher did).
 */
function checkViews(views: TeacherViews, ops: readonly AugmentOpConfig[], where: string): void {
  if (JSON.stringify(views.ops) !== JSON.stringify(ops)) {
    throw new UserError(`${where}: holds the teacher's outputs on views made by --augment ${augmentSpec(views.ops)}, but this run augments with ${augmentSpec(ops)}; rebuild the cache (--rebuild-cache) or train with the cache's --augment`);
  }
}

/** `name = value` of each term whose value is NaN or ±Inf. */
async function nonFiniteTerms(parts: Record<string, tf.Scalar>): Promise<string[]> {
  const out: string[] = [];
  for (const [name, t] of Object.entries(parts)) {
    const x = (await t.data())[0]!;
    if (!Number.isFinite(x)) out.push(`${name} = ${x}`);
  }
  return out;
}

/**
 * Trains `student` with the combined loss against `teacher` on `data`: Adam, cosine schedule with warm-up, seeded
 * shuffling (epoch e uses seed+e, so a resumed run sees the same order), a checkpoint after every epoch, and
 * per-epoch validation; with `train.clipGrad`, the gradients' global norm is clipped before each update. With
 * `train.augment`, each batch is augmented (seeded by seed, epoch and step, so a resumed run replays it) before teacher
 * and student see it, and labels mixed with the images reach the loss; from a cache of augmented views
 * (`--teacher-views K`), epoch e replays view e mod K of every image instead, the one the teacher's stored outputs
 * are of, so a resumed run trains on exactly the same images. A non-finite loss stops with a DivergedError
 * naming epoch, step and the terms that went non-finite; the last good checkpoint stays.
 */
export async function trainStudent(input: TrainInput): Promise<TrainResult> {
  const { student, teacher, data, train, log } = input;
  const trainables: tf.Variable[] = [];
  const studentTaps = new Map<string, tf.SymbolicTensor>();
  const teacherShapes = new Map<string, number[]>();

  // Probe the teacher once to learn its tap shapes (works for every kind of teacher).
  const lossCfg = input.loss;
  const ctx: LossContext = {
    addTrainable: (v) => trainables.push(v),
    shapeOf: (side, tap) => {
      if (side === 'student') {
        const t = studentTap(student, tap);
        studentTaps.set(tap, t);
        return t.shape.slice(1) as number[];
      }
      const s = teacherShapes.get(tap);
      if (!s) throw new Error(`teacher tap ${tap} was not probed`);
      return s;
    },
    numClasses: data.numClasses,
    seed: train.seed,
    ...(data.partialLabels ? { partialLabels: true } : {}),
  };
  const { parseLossTerms } = await import('../losses/index.js');
  const teacherTaps = [...new Set(parseLossTerms(lossCfg).flatMap((p) => p.term.taps(p.params).teacher))];
  const source = input.teacherOutputs ?? (teacher ? liveTeacherOutputs(teacher) : undefined);
  if (teacherTaps.length > 0) {
    if (!source) throw missingTeacherError(lossCfg);
    for (const [t, s] of Object.entries(await source.tapShapes(teacherTaps))) teacherShapes.set(t, s);
  }
  const loss = buildLoss(lossCfg, ctx);
  if (loss.needsTeacher && !source) throw missingTeacherError(lossCfg);
  // Each batch is augmented before the teacher and the student see it, so both see the same images.
  const augment = buildAugment(train.augment ?? []);
  // A cache of augmented views (--teacher-views): each epoch replays one stored view of every image for the student.
  const views = loss.needsTeacher ? source?.views : undefined;
  if (views) checkViews(views, augment?.ops ?? [], source!.description);
  if (augment) checkAugment({ augment: augment.ops, data, loss: lossCfg, needsTeacher: loss.needsTeacher, byIndex: source?.byIndex && !views });
  for (const t of loss.taps.student) if (!studentTaps.has(t)) studentTaps.set(t, studentTap(student, t));
  const tapNames = [...studentTaps.keys()];
  const head = tapNames.length === 0 ? student : tf.model({ inputs: student.inputs, outputs: [student.outputs[0]!, ...tapNames.map((n) => studentTaps.get(n)!)] });

  const studentVars = student.trainableWeights.map((w) => w.read() as tf.Variable);
  const vars = [...studentVars, ...trainables];
  const adam = new Adam(vars);

  const nTrain = Math.min(data.size('train'), input.trainLimit ?? Infinity);
  const stepsPerEpoch = Math.ceil(nTrain / train.batchSize);
  const totalSteps = stepsPerEpoch * train.epochs;
  const warmup = Math.round(train.warmupEpochs * stepsPerEpoch);
  let history: EpochRecord[] = [];
  let startEpoch = 0;

  if (input.checkpointDir) {
    const ck = await loadCheckpoint(input.checkpointDir);
    if (ck) {
      try {
        if (ck.model.length !== student.weights.length || ck.extra.length !== trainables.length) throw new Error(`it holds ${ck.model.length} model and ${ck.extra.length} extra tensors, the run has ${student.weights.length} and ${trainables.length}`);
        student.setWeights(ck.model);
        trainables.forEach((v, i) => v.assign(ck.extra[i]!));
        adam.restore(ck.optimizer, ck.meta.step);
      } catch (e) {
        tf.dispose([...ck.model, ...ck.extra, ...ck.optimizer]);
        throw new UserError(`${input.checkpointDir}: the checkpoint does not fit this run's model (${(e as Error).message.split('\n')[0]}); delete it and --resume again to train from the first epoch, or start over with --force`);
      }
      history = ck.meta.history as EpochRecord[];
      startEpoch = ck.meta.epoch;
      tf.dispose([...ck.model, ...ck.extra, ...ck.optimizer]);
      log.info(`resuming after epoch ${startEpoch} of ${train.epochs} (step ${adam.step})`);
    }
  }

  const teacherVal = teacher ? await predictTeacherSplit(teacher, data, 'val') : undefined;
  // The student sees every image at its own size; `data` stays the teacher's (and the cache's) view.
  const studentData = input.studentInput ? studentView(tf, data, input.studentInput) : data;
  const studentSize = studentData === data ? undefined : (studentData.inputShape.slice(0, 2) as [number, number]);
  let teacherValAcc: number | undefined;

  for (let epoch = startEpoch; epoch < train.epochs; epoch++) {
    const t0 = performance.now();
    const bar = createProgress({ label: `epoch ${epoch + 1}/${train.epochs}`, total: stepsPerEpoch, unit: 'steps', quiet: input.quiet ?? false });
    let lossSum = 0;
    let steps = 0;
    let lr = train.learningRate;
    for await (const b of data.batches('train', train.batchSize, { shuffleSeed: train.seed * 1000 + epoch, limit: nTrain })) {
      if (input.signal?.aborted) {
        tf.dispose([b.x, b.y]);
        break;
      }
      lr = cosineWithWarmup(adam.step, totalSteps, train.learningRate, warmup, train.minLrFactor);
      const view = views ? epoch % views.count : undefined;
      const aug = augment && views ? { x: augment.applyViews(tf, b.x, batchIndex(b), view!, views.seed) } : augment?.apply(tf, b.x, { seed: train.seed, epoch, step: steps });
      if (aug) {
        b.x.dispose();
        b.x = aug.x;
      }
      const tOut: Outputs | undefined = loss.needsTeacher ? await (views ? source!.forBatch(b, loss.taps.teacher, view) : source!.forBatch(b, loss.taps.teacher)) : undefined;
      const sx = studentSize ? resizeImages(tf, b.x, studentSize) : b.x;
      // Each term's value is kept past the gradient's tidy, to name the one that went non-finite if the total does.
      let parts: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = head.apply(sx, { training: true });
        const arr = Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
        const features: Record<string, tf.Tensor> = {};
        tapNames.forEach((n, i) => (features[n] = arr[i + 1]!));
        const r = loss.compute({ logits: arr[0]!, features }, tOut, b.y, aug?.mix);
        parts = r.parts;
        Object.values(parts).forEach((p) => tf.keep(p));
        return r.total;
      }, vars);
      if (sx !== b.x) sx.dispose();
      const v = (await value.data())[0]!;
      if (!Number.isFinite(v)) {
        const bad = await nonFiniteTerms(parts);
        tf.dispose([value, b.x, b.y, ...Object.values(grads), ...Object.values(parts)]);
        if (tOut) tf.dispose([tOut.logits, ...Object.values(tOut.features)]);
        const terms = bad.length > 0 ? `The non-finite loss term${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}. ` : '';
        const keep = input.checkpointDir && startEpoch + history.length > 0 ? `; the last good checkpoint (epoch ${epoch}) is kept in ${input.checkpointDir}` : '';
        throw new DivergedError(`training diverged: the loss is ${v} at epoch ${epoch + 1}, step ${steps + 1}${keep}. ${terms}Lower the learning rate (--lr) or check the data`, epoch + 1, steps + 1);
      }
      const ordered = vars.map((x) => grads[x.name]!);
      const applied = train.clipGrad !== undefined ? clipByGlobalNorm(ordered, train.clipGrad) : ordered;
      adam.apply(applied, lr);
      if (applied !== ordered) tf.dispose(applied);
      tf.dispose([value, b.x, b.y, ...Object.values(grads), ...Object.values(parts)]);
      if (tOut) tf.dispose([tOut.logits, ...Object.values(tOut.features)]);
      lossSum += v;
      steps++;
      bar.tick(1, `loss ${v.toFixed(4)} lr ${lr.toExponential(2)}`);
    }
    if (input.signal?.aborted) break; // a partial epoch is neither validated nor checkpointed
    const val = await predictSplit(student, studentData, 'val');
    const rec: EpochRecord = { epoch: epoch + 1, trainLoss: lossSum / Math.max(1, steps), lr, valAccuracy: agreementOf(val.preds, val.labels), seconds: (performance.now() - t0) / 1000 };
    if (teacherVal) {
      teacherValAcc ??= agreementOf(teacherVal, val.labels);
      rec.teacherValAccuracy = teacherValAcc;
      rec.valAgreement = agreementOf(val.preds, teacherVal);
    }
    history.push(rec);
    bar.done(`loss ${rec.trainLoss.toFixed(4)} val acc ${(rec.valAccuracy * 100).toFixed(2)}%${rec.valAgreement !== undefined ? ` agreement ${(rec.valAgreement * 100).toFixed(2)}%` : ''} (${rec.seconds.toFixed(1)}s)`);
    if (input.checkpointDir) {
      await saveCheckpoint(input.checkpointDir, {
        meta: { epoch: epoch + 1, step: adam.step, history, counts: { model: student.weights.length, extra: trainables.length, optimizer: 2 * vars.length } },
        model: student.weights.map((w) => w.read()),
        extra: trainables,
        optimizer: adam.state(),
      });
    }
    input.onEpoch?.(rec);
    if (input.signal?.aborted) break;
  }
  if (input.signal?.aborted) {
    adam.dispose();
    trainables.forEach((v) => v.dispose());
    throw new DOMException('training aborted', 'AbortError');
  }
  adam.dispose();
  trainables.forEach((v) => v.dispose());
  return { history, resumedFrom: startEpoch };
}
