import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { useBackend } from '../../helpers/backend.js';
import { FORMS } from '../../helpers/fixtures.js';
import { bandDataset, saveTinyModel, tmp, writeIdxBands } from '../../helpers/tiny.js';
import { buildAugment, parseAugmentSpec, viewSeed } from '../../../src/data/augment/index.js';
import { buildCache, CacheReader } from '../../../src/teachers/cache/index.js';
import { cacheKeyParts } from '../../../src/teachers/cache/key.js';
import { loadTeacher, type ModelTeacher } from '../../../src/teachers/index.js';
import type { TeacherOutputs, TeacherViews } from '../../../src/teachers/outputs.js';
import { trainStudent, type EpochRecord } from '../../../src/train/trainer.js';
import { studentFamilies } from '../../../src/students/index.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { silentLogger, type Logger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';
import { distill, resolveDistillConfig } from '../../../src/distill/index.js';
import { planTeacherOutputs } from '../../../src/distill/teacher-outputs.js';
import { configFromFlags } from '../../../src/cli/commands/distill.js';

const TAP = '/act2/Relu_output_0';
const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && !e.message.includes('\n') && re.test(e.message);
let teacher: ModelTeacher;
before(async () => {
  await useBackend('wasm');
  teacher = await loadTeacher(FORMS.onnx.path);
});

const rowsOf = (x: tf.Tensor4D) => {
  const [n, h, w, c] = x.shape;
  const v = Array.from(x.dataSync());
  return Array.from({ length: n }, (_, i) => v.slice(i * h * w * c, (i + 1) * h * w * c));
};

test('views: an image\'s view k is the same in any batch, differs between views, and is seeded by (seed, image, view)', () => {
  const aug = buildAugment(parseAugmentSpec('crop=2,flip'))!;
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const all = aug.applyViews(tf, x, [10, 11, 12], 0, 5);
  const alone = aug.applyViews(tf, tf.slice(x, [2, 0, 0, 0], [1, 8, 8, 1]), [12], 0, 5);
  assert.deepEqual(rowsOf(alone)[0], rowsOf(all)[2], 'image 12 gets the same view alone as in a batch of three');
  const other = aug.applyViews(tf, x, [10, 11, 12], 1, 5);
  assert.ok(rowsOf(other).some((r, i) => JSON.stringify(r) !== JSON.stringify(rowsOf(all)[i])), 'view 1 is another view');
  assert.notEqual(viewSeed(5, 12, 0), viewSeed(5, 12, 1));
  assert.notEqual(viewSeed(5, 12, 0), viewSeed(5, 13, 0));
  assert.notEqual(viewSeed(5, 12, 0), viewSeed(6, 12, 0));
  // flip=1 alone: every view is the image mirrored, worked by hand on the stored pixels.
  const flip = buildAugment(parseAugmentSpec('flip=1'))!.applyViews(tf, x, [0, 1, 2], 3, 1);
  assert.deepEqual(rowsOf(flip), rowsOf(x).map((r) => r.map((_, i) => r[i - (i % 8) + 7 - (i % 8)]!)));
  assert.throws(() => buildAugment(parseAugmentSpec('flip,mixup'))!.applyViews(tf, x, [0, 1, 2], 0, 1), userError(/--teacher-views: mixup mixes images in pairs chosen per batch/));
  tf.dispose([x, all, alone, other, flip]);
});

test('a cache of K views holds, for every image and view, exactly the live teacher\'s outputs on that view', async () => {
  const data = bandDataset();
  const views = { ops: parseAugmentSpec('crop=2,flip'), seed: 9, count: 3 };
  const dir = join(tmp(), 'views');
  const idx = await buildCache({ teacher, data, taps: [TAP], out: dir, views, shardBytes: 8192, quiet: true });
  assert.deepEqual(idx.entries.map((e) => [e.name, e.shape]), [['logits', [3, 3]], [`tap:${TAP}`, [3, 4, 4, 8]]]);
  assert.deepEqual(idx.augmentation, views);
  const reader = await CacheReader.open(dir, await cacheKeyParts(teacher, data, [TAP], 'float32', views));
  assert.deepEqual(reader.views, views);
  assert.deepEqual(await reader.tapShapes([TAP]), { [TAP]: [4, 4, 8] }, 'a batch gets one view\'s shape');
  const aug = buildAugment(views.ops)!;
  let batches = 0;
  for await (const b of data.batches('train', 32, { shuffleSeed: 4 })) {
    for (let k = 0; k < 3; k++) {
      const xk = aug.applyViews(tf, b.x, b.index!, k, views.seed);
      const live = await teacher.forward(xk, [TAP]);
      const got = await reader.forBatch(b, [TAP], k);
      assert.deepEqual(Array.from(got.logits.dataSync()), Array.from(live.logits.dataSync()), `view ${k} logits`);
      assert.deepEqual(Array.from(got.features[TAP]!.dataSync()), Array.from(live.features[TAP]!.dataSync()), `view ${k} features`);
      tf.dispose([xk, live.logits, got.logits, ...Object.values(live.features), ...Object.values(got.features)]);
    }
    tf.dispose([b.x, b.y]);
    batches++;
  }
  assert.ok(batches > 1);
  reader.dispose();
});

test('a cache built without augmentation, or with other ops, seed or K, is refused for a run of views (and the other way round)', async () => {
  const data = bandDataset();
  const plain = join(tmp(), 'plain');
  await buildCache({ teacher, data, taps: [], out: plain, quiet: true });
  const views = { ops: parseAugmentSpec('flip'), seed: 9, count: 2 };
  const want = (v?: typeof views) => cacheKeyParts(teacher, data, [], 'float32', v);
  await assert.rejects(CacheReader.open(plain, await want(views)), userError(/cannot be used: it holds the teacher's outputs on the un-augmented images, but this run needs them on 2 augmented views of each image \(--augment flip=0\.5, seed 9\)\. Rebuild it with --rebuild-cache/));
  const dir = join(tmp(), 'views');
  await buildCache({ teacher, data, taps: [], out: dir, views, quiet: true });
  await assert.rejects(CacheReader.open(dir, await want()), userError(/it holds the teacher's outputs on 2 augmented views of each image \(--augment flip=0\.5, seed 9\), but this run needs them on the un-augmented images/));
  await assert.rejects(CacheReader.open(dir, await want({ ...views, seed: 10 })), userError(/seed 9\), but this run needs them on 2 augmented views of each image \(--augment flip=0\.5, seed 10\)/));
  await assert.rejects(CacheReader.open(dir, await want({ ...views, count: 3 })), userError(/but this run needs them on 3 augmented views/));
  await assert.rejects(CacheReader.open(dir, await want({ ...views, ops: parseAugmentSpec('flip=1') })), userError(/needs them on 2 augmented views of each image \(--augment flip=1, seed 9\)/));
  (await CacheReader.open(dir, await want(views))).dispose();
});

/** Views served from memory, recording which view each batch asked for and what images the trainer had made. */
function recordingViews(views: TeacherViews, seen: { view: number | undefined; x: number[][]; index: number[] }[]): TeacherOutputs {
  return {
    description: 'recording views', byIndex: true, views,
    tapShapes: async () => ({}),
    forBatch: async (b, _taps, view) => {
      seen.push({ view, x: rowsOf(b.x), index: Array.from(b.index!) });
      return { logits: tf.zeros([b.x.shape[0], 3]), features: {} };
    },
    dispose: () => undefined,
  };
}

const io = { inputShape: [8, 8, 1], numClasses: 3 };
const train = TrainConfig.parse({ epochs: 3, batchSize: 16, learningRate: 0.01, seed: 5, augment: parseAugmentSpec('crop=2,flip') });
const LIMIT = 32;

test('the trainer replays view (epoch mod K) of every image: the images the student gets are that view of the stored ones', async () => {
  const data = bandDataset();
  const views = { ops: train.augment, seed: 77, count: 2 };
  const seen: { view: number | undefined; x: number[][]; index: number[] }[] = [];
  const student = studentFamilies.get('mlp').build({ hidden: 8, depth: 1 }, io, 1);
  await trainStudent({ student, teacherOutputs: recordingViews(views, seen), data, loss: { terms: [{ kind: 'soft-kl', weight: 1 }] }, train, trainLimit: LIMIT, log: silentLogger, quiet: true });
  student.dispose();
  assert.deepEqual(seen.map((s) => s.view), [0, 0, 1, 1, 0, 0], '3 epochs of 2 steps, K = 2');
  // Each batch's images, worked out apart from the trainer: the stored images of the trainer's order, view k of each.
  const aug = buildAugment(views.ops)!;
  let i = 0;
  for (let epoch = 0; epoch < 3; epoch++) {
    for await (const b of data.batches('train', 16, { shuffleSeed: train.seed * 1000 + epoch, limit: LIMIT })) {
      const want = aug.applyViews(tf, b.x, b.index!, epoch % 2, 77);
      assert.deepEqual(seen[i]!.index, Array.from(b.index!));
      assert.deepEqual(seen[i]!.x, rowsOf(want), `epoch ${epoch} batch ${i}`);
      tf.dispose([want, b.x, b.y]);
      i++;
    }
  }
  // A cache whose views were made by other ops than the run's is refused.
  const s2 = studentFamilies.get('mlp').build({ hidden: 8, depth: 1 }, io, 1);
  await assert.rejects(trainStudent({ student: s2, teacherOutputs: recordingViews({ ...views, ops: parseAugmentSpec('flip') }, []), data, loss: { terms: [{ kind: 'soft-kl', weight: 1 }] }, train, trainLimit: LIMIT, log: silentLogger, quiet: true }),
    userError(/^recording views: holds the teacher's outputs on views made by --augment flip=0\.5, but this run augments with crop=2:fill=reflect,flip=0\.5; rebuild the cache/));
  s2.dispose();
});

test('a run from a cache of views resumed after epoch 1 ends exactly like an uninterrupted one', async () => {
  const data = bandDataset();
  const dir = join(tmp(), 'views');
  await buildCache({ teacher, data, taps: [], out: dir, views: { ops: train.augment, seed: train.seed, count: 2 }, quiet: true });
  const run = async (o: { checkpointDir?: string; signal?: AbortSignal; onEpoch?: (r: EpochRecord) => void } = {}) => {
    const reader = await CacheReader.open(dir);
    const student = studentFamilies.get('mlp').build({ hidden: 8, depth: 1 }, io, 3);
    try {
      await trainStudent({ student, teacher, teacherOutputs: reader, data, loss: { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }] }, train, trainLimit: LIMIT, checkpointDir: o.checkpointDir, log: silentLogger, quiet: true, ...(o.signal ? { signal: o.signal } : {}), ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}) });
      return student.getWeights().map((w) => Array.from(w.dataSync()));
    } finally {
      student.dispose();
      reader.dispose();
    }
  };
  const whole = await run();
  const ck = join(tmp(), 'checkpoint');
  const ac = new AbortController();
  await assert.rejects(run({ checkpointDir: ck, signal: ac.signal, onEpoch: (r) => r.epoch === 1 && ac.abort() }), { name: 'AbortError' });
  assert.deepEqual(await run({ checkpointDir: ck }), whole);
});

const stubTeacher = { tapNames: () => [] } as unknown as ModelTeacher;
const plan = (o: { augment?: string; views?: number; use?: 'on' | 'off' }) =>
  planTeacherOutputs({
    c: resolveDistillConfig({ teacher: { path: 't' }, train: { epochs: 2, augment: o.augment ? parseAugmentSpec(o.augment) : [] }, cache: { views: o.views ?? 0, ...(o.use ? { use: o.use } : {}) } }),
    teacher: stubTeacher, data: bandDataset(), out: tmp(), lossTaps: [], needsTeacher: true, resume: false, rebuild: false,
  });

test('--teacher-views: the cache is planned with augmentation; refused without it, with mixup or cutmix, and with --no-cache', async () => {
  const p = await plan({ augment: 'crop,flip', views: 4 });
  assert.equal(p.use, true);
  assert.match(p.why, /^--teacher-views 4: the teacher's outputs on 4 augmented views of each image, built once; epoch e trains on view e mod 4$/);
  assert.equal((await plan({ augment: 'crop,flip' })).use, false, 'K = 0 (the default): live teacher');
  await assert.rejects(plan({ views: 4 }), userError(/^--teacher-views 4: caches the teacher's outputs on augmented views of each image, but the run has no --augment/));
  await assert.rejects(plan({ augment: 'crop,cutmix', views: 2 }), userError(/^--teacher-views 2: --augment cutmix mixes images in pairs chosen per batch, so a view of one image cannot be stored and replayed/));
  await assert.rejects(plan({ augment: 'flip', views: 2, use: 'off' }), userError(/--teacher-views 2 and --no-cache disagree/));
  const c = await configFromFlags({ 'teacher-views': '3', augment: 'flip', teacher: 't.onnx' });
  assert.equal(resolveDistillConfig(c).cache.views, 3);
  await assert.rejects(configFromFlags({ 'teacher-views': '-1' }), UserError);
});

test('distill --teacher-views: builds the views once, trains from them, and a shared cache of other views is refused before anything is written', async () => {
  // Small IDX data: the views cover the whole training split (as a cache does), so MNIST's 8,000 would be slow here.
  const t = await saveTinyModel({ inputShape: [8, 8, 1], classes: 3 });
  const shared = join(tmp(), 'shared-cache');
  const base = { data: { spec: `idx:${writeIdxBands({ train: 60, test: 20 })}` }, teacher: { path: t }, loss: { terms: [{ kind: 'soft-kl', weight: 1 }] }, student: { family: 'mlp', params: { hidden: 8, depth: 1 } }, train: { epochs: 2, batchSize: 16, backend: 'wasm', augment: [{ op: 'crop' }, { op: 'flip' }] }, cache: { views: 2, dir: shared, use: 'on' } };
  const lines: string[] = [];
  const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m) };
  const r = await distill({ config: base, out: join(tmp(), 'run'), quiet: true, log });
  assert.ok(r.metrics.epochs.every((e) => Number.isFinite(e.trainLoss)));
  assert.ok(lines.some((l) => /× 2 augmented views/.test(l)), lines.join('\n'));
  const refused = join(tmp(), 'refused');
  await assert.rejects(distill({ config: { ...base, cache: { ...base.cache, views: 3 } }, out: refused, quiet: true, log }), userError(/^--cache .*shared-cache: cannot be used: it holds the teacher's outputs on 2 augmented views .* but this run needs them on 3 augmented views/));
  assert.equal(existsSync(refused), false);
});
