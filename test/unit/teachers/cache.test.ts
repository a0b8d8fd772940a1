import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { FORMS } from '../../helpers/fixtures.js';
import { bandDataset, tmp } from '../../helpers/tiny.js';
import { loadTeacher, type ModelTeacher } from '../../../src/teachers/index.js';
import { buildCache, CacheReader, mergeCaches } from '../../../src/teachers/cache/index.js';
import { fromHalf, toHalf } from '../../../src/core/float16.js';
import { cacheKeyParts } from '../../../src/teachers/cache/key.js';
import { trainStudent } from '../../../src/train/trainer.js';
import { studentFamilies } from '../../../src/students/index.js';
import { liveTeacherOutputs, type TeacherOutputs } from '../../../src/teachers/outputs.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/core/progress.js';
import { UserError } from '../../../src/core/errors.js';

const TAP = '/act2/Relu_output_0';
let teacher: ModelTeacher;
before(async () => {
  await useBackend('wasm');
  teacher = await loadTeacher(FORMS.onnx.path);
});

async function rejectsUser(p: Promise<unknown>, re: RegExp) {
  await assert.rejects(p, (e: unknown) => e instanceof UserError && !e.message.includes('\n') && re.test(e.message));
}

/** Live and cached outputs of the same batches, as arrays. */
async function outputsOf(source: TeacherOutputs, data = bandDataset()) {
  const rows: number[][] = [];
  const feats: number[][] = [];
  for await (const b of data.batches('train', 32, { shuffleSeed: 3 })) {
    const o = await source.forBatch(b, [TAP]);
    rows.push(Array.from(await o.logits.data()));
    feats.push(Array.from(await o.features[TAP]!.data()));
    tf.dispose([b.x, b.y, o.logits, ...Object.values(o.features)]);
  }
  return { logits: rows.flat(), features: feats.flat() };
}

test('float16: hand-worked values, rounding to nearest even, subnormals, overflow', () => {
  const cases: [number, number][] = [[0, 0x0000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [1e6, 0x7c00], [2 ** -24, 0x0001], [2 ** -14, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [0.1, 0x2e66]];
  for (const [v, h] of cases) assert.equal(toHalf(v), h, `toHalf(${v})`);
  for (const [v, h] of cases.slice(0, 7)) assert.equal(fromHalf(h), v === 1e6 ? Infinity : v);
  assert.ok(Math.abs(fromHalf(toHalf(0.1)) - 0.1) < 1e-4);
});

test('cached outputs equal the live teacher exactly (float32), and within half precision (float16)', async () => {
  const data = bandDataset();
  const dir = join(tmp(), 'cache');
  const idx = await buildCache({ teacher, data, taps: [TAP], out: dir, shardBytes: 4096, quiet: true });
  assert.ok(idx.shards.length > 3, `several shards (${idx.shards.length})`);
  assert.deepEqual(idx.entries.map((e) => [e.name, e.shape, e.dtype]), [['logits', [3], 'float32'], [`tap:${TAP}`, [4, 4, 8], 'float32']]);
  const reader = await CacheReader.open(dir);
  const [live, cached] = [await outputsOf(liveTeacherOutputs(teacher), data), await outputsOf(reader, data)];
  assert.deepEqual(cached.logits, live.logits);
  assert.deepEqual(cached.features, live.features);
  reader.dispose();

  const dir16 = join(tmp(), 'cache16');
  await buildCache({ teacher, data, taps: [TAP], featureDtype: 'float16', out: dir16, quiet: true });
  const r16 = await CacheReader.open(dir16);
  const half = await outputsOf(r16, data);
  assert.deepEqual(half.logits, live.logits, 'logits stay float32');
  const err = Math.max(...half.features.map((v, i) => Math.abs(v - live.features[i]!) / Math.max(1e-3, Math.abs(live.features[i]!))));
  assert.ok(err < 1e-3, `float16 relative error ${err}`);
  const bytesOf = (d: string) => readdirSync(d).filter((f) => f.endsWith('.bin')).reduce((a, f) => a + readFileSync(join(d, f)).length, 0);
  assert.ok(bytesOf(dir16) < 0.6 * bytesOf(dir), 'float16 features take about half the bytes');
  r16.dispose();
});

test('cached logits equal the live ones exactly for tfjs teachers too (cache built at batch 256, read at 32)', async () => {
  const data = bandDataset();
  for (const form of [FORMS.layers, FORMS.graph]) {
    const t = await loadTeacher(form.path);
    const dir = join(tmp(), 'cache');
    await buildCache({ teacher: t, data, taps: [form.taps[2]], out: dir, quiet: true });
    const r = await CacheReader.open(dir);
    for await (const b of data.batches('train', 32, { shuffleSeed: 4 })) {
      const [live, cached] = [await t.forward(b.x, [form.taps[2]]), await r.forBatch(b, [form.taps[2]])];
      assert.deepEqual(Array.from(await cached.logits.data()), Array.from(await live.logits.data()), form.path);
      assert.deepEqual(Array.from(await cached.features[form.taps[2]]!.data()), Array.from(await live.features[form.taps[2]]!.data()));
      tf.dispose([b.x, b.y, live.logits, cached.logits, ...Object.values(live.features), ...Object.values(cached.features)]);
    }
    r.dispose();
    t.dispose();
  }
});

test('step-1 loss (and the whole run) is identical with and without the cache', async () => {
  const data = bandDataset();
  const io = { inputShape: [8, 8, 1], numClasses: 3 };
  const train = TrainConfig.parse({ epochs: 2, batchSize: 16, learningRate: 0.01, seed: 5 });
  const loss = { terms: [{ kind: 'soft-kl', weight: 0.9, temperature: 4 }, { kind: 'hard-ce', weight: 0.1 }, { kind: 'feature-mse', weight: 0.5, student: 'penultimate', teacher: TAP }] };
  const dir = join(tmp(), 'cache');
  await buildCache({ teacher, data, taps: [TAP], out: dir, quiet: true });
  const run = async (teacherOutputs?: TeacherOutputs, trainLimit?: number) => {
    const student = studentFamilies.get('mlp').build({ hidden: 12, depth: 1 }, io, train.seed);
    const r = await trainStudent({ student, teacher, teacherOutputs, data, loss, train, trainLimit, log: silentLogger, quiet: true });
    const w = student.getWeights().map((x) => Array.from(x.dataSync()));
    student.dispose();
    return { losses: r.history.map((h) => h.trainLoss), w };
  };
  const reader = await CacheReader.open(dir);
  const step1Live = await run(undefined, 16);
  const step1Cached = await run(reader, 16);
  console.log(`# step-1 loss live ${step1Live.losses[0]} cached ${step1Cached.losses[0]}`);
  assert.equal(step1Cached.losses[0], step1Live.losses[0]);
  const live = await run();
  const cached = await run(reader);
  assert.deepEqual(cached.losses, live.losses);
  assert.deepEqual(cached.w, live.w);
  reader.dispose();
});

test('a cache built for another teacher, data, options or taps is refused with the reason', async () => {
  const data = bandDataset();
  const dir = join(tmp(), 'cache');
  await buildCache({ teacher, data, taps: [TAP], out: dir, quiet: true });
  const want = (t: ModelTeacher, d = data, taps = [TAP], dtype: 'float32' | 'float16' = 'float32') => cacheKeyParts(t, d, taps, dtype);
  assert.ok(await CacheReader.open(dir, await want(teacher)).then((r) => (r.dispose(), true)));
  assert.ok(await CacheReader.open(dir, await want(teacher, data, [])).then((r) => (r.dispose(), true)), 'a superset of the taps serves');
  const other = await loadTeacher(FORMS.layers.path);
  await rejectsUser(CacheReader.open(dir, await want(other)), /cannot be used: it was built for another teacher \(files sha256 .* of .*tiny.onnx; now .* of .*model.json\): the teacher file changed\. Rebuild it with --rebuild-cache/);
  other.dispose();
  const pre = await loadTeacher({ path: FORMS.onnx.path, preprocess: { scale: 255 } });
  await rejectsUser(CacheReader.open(dir, await want(pre)), /it was built with other teacher options .*"scale":1.*"scale":255/);
  pre.dispose();
  await rejectsUser(CacheReader.open(dir, await want(teacher, bandDataset({ seed: 99 }))), /it was built for other data \(bands, fingerprint \w+, 160 training samples; now bands, fingerprint \w+, 160\)/);
  await rejectsUser(CacheReader.open(dir, await want(teacher, data, ['/act1/Relu_output_0'])), /holds the taps \[\/act2\/Relu_output_0\] but the loss needs \[\/act1\/Relu_output_0\]/);
  await rejectsUser(CacheReader.open(dir, await want(teacher, data, [TAP], 'float16')), /stores float32 features, but float16 were asked/);
  // A corrupt or truncated shard is caught by its checksum / size.
  const shard = join(dir, 'shard-00000.bin');
  const bytes = readFileSync(shard);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
  writeFileSync(shard, bytes);
  await rejectsUser(CacheReader.open(dir), /shard shard-00000.bin does not match its checksum \(corrupt\); rebuild the cache/);
  writeFileSync(shard, bytes.subarray(0, 100));
  await rejectsUser(CacheReader.open(dir), /holds 100 bytes, the index says \d+ \(truncated\?\)/);
});

test('--shard i/N slices merge into the same cache; a missing, duplicate or foreign slice is refused', async () => {
  const data = bandDataset();
  const base = tmp();
  const whole = await buildCache({ teacher, data, taps: [TAP], out: join(base, 'whole'), shardBytes: 4096, quiet: true });
  const parts = [0, 1, 2].map((i) => join(base, `part${i}`));
  for (const [i, p] of parts.entries()) await buildCache({ teacher, data, taps: [TAP], out: p, shardBytes: 4096, part: { index: i, of: 3 }, quiet: true });
  await rejectsUser(CacheReader.open(parts[0]!), /this is slice 0\/3 of a sharded cache; join the slices with edge-distill cache merge/);
  await rejectsUser(mergeCaches([parts[0]!, parts[2]!], join(base, 'm1')), /cache merge: missing slice 1\/3 \(have 0, 2\); re-run index 1 \(edge-distill cache --shard i\/3 with the same flags; on Slurm: sbatch --array=1 /);
  cpSync(parts[1]!, join(base, 'copy1'), { recursive: true });
  await rejectsUser(mergeCaches([...parts, join(base, 'copy1')], join(base, 'm2')), /cache merge: slice 1\/3 is given twice \(.*part1 and .*copy1\)/);
  const foreign = join(base, 'foreign');
  await buildCache({ teacher, data, taps: [], out: foreign, shardBytes: 4096, part: { index: 1, of: 3 }, quiet: true });
  await rejectsUser(mergeCaches([parts[0]!, foreign, parts[2]!], join(base, 'm3')), /foreign \(slice 1\/3\) is from another cache than the other 2 slices: taps \[\] ≠ \["\/act2\/Relu_output_0"\], entries .*; missing slice 1\/3 \(have 0, 2\); re-run index 1 /);
  assert.ok(!existsSync(join(base, 'm1')) && !existsSync(join(base, 'm2')) && !existsSync(join(base, 'm3')), 'nothing half-written');
  const merged = await mergeCaches([parts[2]!, parts[0]!, parts[1]!], join(base, 'merged'));
  assert.deepEqual(merged.shards.map((s) => s.sha256), whole.shards.map((s) => s.sha256));
  const r = await CacheReader.open(join(base, 'merged'));
  assert.deepEqual((await outputsOf(r, data)).logits, (await outputsOf(liveTeacherOutputs(teacher), data)).logits);
  r.dispose();
});

test('reading rows keeps a bounded number of shard files open', async () => {
  const data = bandDataset({ n: 600 });
  const dir = join(tmp(), 'cache');
  const idx = await buildCache({ teacher, data, taps: [], out: dir, shardBytes: 128, quiet: true });
  assert.ok(idx.shards.length > 20, `${idx.shards.length} shards`);
  const r = await CacheReader.open(dir);
  for await (const b of data.batches('train', 64, { shuffleSeed: 1 })) {
    const o = await r.forBatch(b, []);
    tf.dispose([b.x, b.y, o.logits]);
  }
  assert.ok((r as unknown as { fds: Map<number, number> }).fds.size <= 8);
  r.dispose();
});

test('cache use: auto caches from the second pass over the training split on; off/on are obeyed; a loss without teacher terms never caches', async () => {
  const { cacheDecision } = await import('../../../src/teachers/cache/index.js');
  const { DistillConfig } = await import('../../../src/config/schema.js');
  const data = bandDataset(); // 160 training samples
  const cfg = (o: object) => DistillConfig.parse({ teacher: { path: 't' }, ...o });
  assert.equal(cacheDecision(cfg({ train: { epochs: 2 } }), data, true).use, true);
  assert.equal(cacheDecision(cfg({ train: { epochs: 1 } }), data, true).use, false);
  assert.match(cacheDecision(cfg({ train: { epochs: 3 }, data: { trainLimit: 40 } }), data, true).why, /over 120 samples, fewer than the 160 a cache would compute/);
  assert.equal(cacheDecision(cfg({ train: { epochs: 1 }, cache: { use: 'on' } }), data, true).use, true);
  assert.equal(cacheDecision(cfg({ train: { epochs: 9 }, cache: { use: 'off' } }), data, true).use, false);
  assert.equal(cacheDecision(cfg({ train: { epochs: 9 } }), data, false).use, false);
  // --candidates 2 trains two students: 2 × 1 epoch × 160 samples is a second pass.
  assert.match(cacheDecision(cfg({ train: { epochs: 1 }, student: { candidates: 2, maxBytes: 1000 } }), data, true).why, /over 320 samples, the cache over 160 once/);
  assert.equal(cacheDecision(cfg({ train: { epochs: 1 }, data: { trainLimit: 40 }, tune: { trials: 4 } }), data, true).use, true);
});

test('a run reuses a cache that fits, rebuilds it on request, and refuses a directory that is not a cache', async () => {
  const { openRunCache } = await import('../../../src/teachers/cache/index.js');
  const { DistillConfig } = await import('../../../src/config/schema.js');
  const data = bandDataset();
  const config = DistillConfig.parse({ teacher: { path: FORMS.onnx.path } });
  const dir = join(tmp(), 'cache');
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: () => undefined };
  const open = (rebuild: boolean, d = dir) => openRunCache({ config, teacher, data, taps: [TAP], dir: d, rebuild, log, quiet: true });
  (await open(false)).dispose();
  assert.match(lines.join('\n'), /teacher cache: 160 of 160 training samples/);
  lines.length = 0;
  (await open(false)).dispose();
  assert.match(lines.join('\n'), /reusing teacher cache/);
  assert.doesNotMatch(lines.join('\n'), /training samples →/, 'not rebuilt');
  lines.length = 0;
  (await open(true)).dispose();
  assert.match(lines.join('\n'), /teacher cache: 160 of 160 training samples/);
  const other = tmp();
  writeFileSync(join(other, 'notes.txt'), 'mine');
  await rejectsUser(open(false, other), /exists, is not empty and is not a teacher cache \(no index.json\); choose another directory/);
});
