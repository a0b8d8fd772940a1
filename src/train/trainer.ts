import * as tf from '@tensorflow/tfjs';
import { DivergedError, UserError } from '../core/errors.js';
import type { Batch, Dataset, Outputs, Teacher } from '../core/types.js';
import { createProgress, type Logger } from '../core/progress.js';
import type { AugmentOpConfig, LossConfig, TrainConfig } from '../config/schema.js';
import { missingTeacherError } from '../losses/index.js';
import { workerCount } from '../config/workers.js';
import { Adam, clipByGlobalNorm, cosineWithWarmup } from './adam.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { agreementOf, predictSplit, predictTeacherSplit } from './evaluate.js';
import { liveTeacherOutputs, type TeacherOutputs, type TeacherViews } from '../teachers/outputs.js';
import { resizeImages, studentView } from '../data/student-view.js';
import { augmentSpec, buildAugment } from '../data/augment/index.js';
import { checkAugment } from './augment-check.js';
import { buildStudentLoss, type LossBatch } from './student-loss.js';
import { createGradientEngine, WorkerFailedError, type GradientEngine, type WorkerFault } from './parallel/index.js';

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
  /** Of `seconds`, the training steps alone (validation and the checkpoint excluded): what `--workers` speeds up. */
  trainSeconds?: number;
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
  /** Makes a training worker fail on purpose: for tests of the failure path only. */
  workerFault?: WorkerFault | undefined;
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

export interface TrainResult {
  history: EpochRecord[];
  /** Epoch the run resumed after (0 for a fresh run). */
  resumedFrom: number;
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
  const lossCfg = input.loss;
  const { parseLossTerms } = await import('../losses/index.js');
  const teacherTaps = [...new Set(parseLossTerms(lossCfg).flatMap((p) => p.term.taps(p.params).teacher))];
  const source = input.teacherOutputs ?? (teacher ? liveTeacherOutputs(teacher) : undefined);
  // Probe the teacher once to learn its tap shapes (works for every kind of teacher).
  const teacherShapes = new Map<string, number[]>();
  if (teacherTaps.length > 0) {
    if (!source) throw missingTeacherError(lossCfg);
    for (const [t, s] of Object.entries(await source.tapShapes(teacherTaps))) teacherShapes.set(t, s);
  }
  const lossOpts = { numClasses: data.numClasses, seed: train.seed, partialLabels: data.partialLabels ?? false, teacherShapes };
  const studentLoss = buildStudentLoss(student, lossCfg, lossOpts);
  const { loss, trainables } = studentLoss;
  if (loss.needsTeacher && !source) throw missingTeacherError(lossCfg);
  // Each batch is augmented before the teacher and the student see it, so both see the same images.
  const augment = buildAugment(train.augment ?? []);
  // A cache of augmented views (--teacher-views): each epoch replays one stored view of every image for the student.
  const views = loss.needsTeacher ? source?.views : undefined;
  if (views) checkViews(views, augment?.ops ?? [], source!.description);
  if (augment) checkAugment({ augment: augment.ops, data, loss: lossCfg, needsTeacher: loss.needsTeacher, byIndex: source?.byIndex && !views });

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

  /** Batch `step` of the epoch as the loss takes it: augmented, with the teacher's outputs, at the student's size. */
  const prepare = async (b: Batch, epoch: number, step: number): Promise<{ batch: LossBatch; dispose: () => void }> => {
    const view = views ? epoch % views.count : undefined;
    const aug = augment && views ? { x: augment.applyViews(tf, b.x, batchIndex(b), view!, views.seed), mix: undefined } : augment?.apply(tf, b.x, { seed: train.seed, epoch, step });
    if (aug) {
      b.x.dispose();
      b.x = aug.x;
    }
    const tOut: Outputs | undefined = loss.needsTeacher ? await (views ? source!.forBatch(b, loss.taps.teacher, view) : source!.forBatch(b, loss.taps.teacher)) : undefined;
    const sx = studentSize ? resizeImages(tf, b.x, studentSize) : b.x;
    const dispose = () => tf.dispose([b.x, b.y, ...(sx !== b.x ? [sx] : []), ...(tOut ? [tOut.logits, ...Object.values(tOut.features)] : [])]);
    return { batch: { x: sx, y: b.y, teacher: tOut, mix: aug?.mix }, dispose };
  };
  // A batch prepared ahead of a step that failed: freed, and its own failure (if any) left behind the step's.
  const dropAhead = (ahead: Promise<{ dispose: () => void } | undefined> | undefined) => ahead?.then((a) => a?.dispose(), () => {});
  const keepNote = (epoch: number) => (input.checkpointDir && startEpoch + history.length > 0 ? `; the last good checkpoint (epoch ${epoch}) is kept in ${input.checkpointDir}` : '');

  const workers = workerCount(train.workers);
  if (workers > 1 && tf.getBackend() === 'tensorflow') {
    throw new UserError(`--workers ${workers}: training workers run the wasm or cpu backend; on tensorflow (tfjs-node) libtensorflow already uses every core: give --workers 1, or --backend wasm`);
  }
  const engine: GradientEngine = await createGradientEngine({ workers, student, studentLoss, vars, loss: lossCfg, ...lossOpts, fault: input.workerFault });
  try {
    for (let epoch = startEpoch; epoch < train.epochs; epoch++) {
      const t0 = performance.now();
      const bar = createProgress({ label: `epoch ${epoch + 1}/${train.epochs}`, total: stepsPerEpoch, unit: 'steps', quiet: input.quiet ?? false });
      let lossSum = 0;
      let steps = 0;
      let lr = train.learningRate;
      const it = data.batches('train', train.batchSize, { shuffleSeed: train.seed * 1000 + epoch, limit: nTrain })[Symbol.asyncIterator]();
      const next = async (step: number) => {
        const r = await it.next();
        return r.done ? undefined : prepare(r.value, epoch, step);
      };
      let cur = await next(0);
      try {
        while (cur) {
          if (input.signal?.aborted) break;
          lr = cosineWithWarmup(adam.step, totalSteps, train.learningRate, warmup, train.minLrFactor);
          const pending = engine.gradients(cur.batch);
          // With workers computing, the main thread prepares the next batch (augmentation, the teacher) meanwhile.
          const ahead = engine.workers > 1 ? next(steps + 1) : undefined;
          let r: Awaited<typeof pending>;
          try {
            r = await pending;
          } catch (e) {
            await dropAhead(ahead);
            if (e instanceof WorkerFailedError) throw new WorkerFailedError(`${e.message} (at epoch ${epoch + 1}, step ${steps + 1})${keepNote(epoch)}; resume with --resume, or train in one thread with --workers 1`, e.worker);
            throw e;
          }
          const v = r.value;
          if (!Number.isFinite(v)) {
            const bad = await r.nonFiniteTerms();
            tf.dispose(r.grads);
            r.dispose();
            await dropAhead(ahead);
            const terms = bad.length > 0 ? `The non-finite loss term${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}. ` : '';
            throw new DivergedError(`training diverged: the loss is ${v} at epoch ${epoch + 1}, step ${steps + 1}${keepNote(epoch)}. ${terms}Lower the learning rate (--lr) or check the data`, epoch + 1, steps + 1);
          }
          const applied = train.clipGrad !== undefined ? clipByGlobalNorm(r.grads, train.clipGrad) : r.grads;
          adam.apply(applied, lr);
          if (applied !== r.grads) tf.dispose(applied);
          tf.dispose(r.grads);
          r.dispose();
          cur.dispose();
          cur = undefined;
          lossSum += v;
          steps++;
          bar.tick(1, `loss ${v.toFixed(4)} lr ${lr.toExponential(2)}`);
          cur = ahead ? await ahead : await next(steps);
        }
      } finally {
        cur?.dispose();
        await it.return?.();
      }
      if (input.signal?.aborted) break; // a partial epoch is neither validated nor checkpointed
      const trainSeconds = (performance.now() - t0) / 1000;
      await engine.sync();
      const val = await predictSplit(student, studentData, 'val');
      const rec: EpochRecord = { epoch: epoch + 1, trainLoss: lossSum / Math.max(1, steps), lr, valAccuracy: agreementOf(val.preds, val.labels), seconds: (performance.now() - t0) / 1000, trainSeconds };
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
  } catch (e) {
    adam.dispose();
    trainables.forEach((v) => v.dispose());
    throw e;
  } finally {
    await engine.close();
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
