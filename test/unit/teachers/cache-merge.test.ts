import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../helpers/backend.js';
import { FORMS } from '../../helpers/fixtures.js';
import { bandDataset, tmp } from '../../helpers/tiny.js';
import { loadTeacher, type ModelTeacher } from '../../../src/teachers/index.js';
import { buildCache, mergeCaches } from '../../../src/teachers/cache/index.js';
import { metaDifferences, sliceMeta } from '../../../src/teachers/cache/merge.js';
import { CacheIndex } from '../../../src/teachers/cache/format.js';
import { UserError } from '../../../src/core/errors.js';

let teacher: ModelTeacher;
before(async () => {
  await useBackend('wasm');
  teacher = await loadTeacher(FORMS.onnx.path);
});

async function rejectsUser(p: Promise<unknown>, re: RegExp) {
  await assert.rejects(p, (e: unknown) => e instanceof UserError && !e.message.includes('\n') && re.test(e.message), `expected ${re}`);
}

const data = bandDataset({ n: 120 });
async function slices(base: string, of: number, opts: { shardBytes?: number; taps?: string[]; d?: typeof data } = {}) {
  const dirs = Array.from({ length: of }, (_, i) => join(base, `p${i}`));
  for (const [i, out] of dirs.entries()) await buildCache({ teacher, data: opts.d ?? data, taps: opts.taps ?? [], out, shardBytes: opts.shardBytes ?? 256, part: { index: i, of }, quiet: true });
  return dirs;
}

test('every field of the index but the per-slice ones (shards, part index, time, creator) and the teacher path is compared', () => {
  // Built from the schema, so a field added to CacheIndex later is covered without editing merge.ts.
  const perSlice = new Set(['shards', 'seconds', 'createdBy']);
  const known = { format: 'edge-distill-teacher-cache', version: 1, key: 'k', teacher: { path: 'a.onnx', kind: 'onnx', sha256: 's', options: {} }, data: { name: 'd', fingerprint: 'f', split: 'train', size: 3 }, taps: [], featureDtype: 'float32', augmentation: false, entries: [], rowBytes: 4, rowsPerShard: 1, rows: 3, shardCount: 3, shards: [], part: { index: 0, of: 3 }, createdBy: 'edge-distill', seconds: 1 };
  // A field the schema gained since this test was written gets a placeholder value.
  const sample = { ...Object.fromEntries(Object.keys(CacheIndex.shape).map((k) => [k, { placeholder: k }])), ...known } as CacheIndex;
  for (const k of Object.keys(CacheIndex.shape)) {
    const changed = { ...sample, [k]: k === 'part' ? { index: 1, of: 3 } : { other: true } } as CacheIndex;
    const diff = metaDifferences(sliceMeta(changed), sliceMeta(sample));
    assert.equal(diff.length > 0, !perSlice.has(k) && k !== 'part', `a change of ${k} is ${diff.length ? '' : 'not '}seen`);
  }
  assert.deepEqual(metaDifferences(sliceMeta({ ...sample, part: { index: 0, of: 4 } }), sliceMeta(sample)), ['part.of 4 ≠ 3']);
  assert.deepEqual(metaDifferences(sliceMeta({ ...sample, teacher: { ...sample.teacher, path: '/mnt/a.onnx' } }), sliceMeta(sample)), [], 'a teacher mounted elsewhere is the same teacher');
  assert.deepEqual(metaDifferences(sliceMeta({ ...sample, teacher: { ...sample.teacher, sha256: '4f1c'.repeat(16) } }), sliceMeta(sample)), ['teacher.sha256 "4f1c4f1c4f1c4… ≠ "s"']);
});

test('merge names what differs in a slice of another cache (data, taps, shard size) and says which index to re-run', async () => {
  const base = tmp();
  const ok = await slices(join(base, 'ok'), 3);
  const otherData = (await slices(join(base, 'od'), 3, { d: bandDataset({ n: 120, seed: 9 }) }))[1]!;
  await rejectsUser(mergeCaches([ok[0]!, otherData, ok[2]!], join(base, 'm')), new RegExp(`^cache merge: ${otherData} \\(slice 1/3\\) is from another cache than the other 2 slices: data\\.fingerprint .* ≠ .*; missing slice 1/3 \\(have 0, 2\\); re-run index 1 \\(edge-distill cache --shard i/3 with the same flags; on Slurm: sbatch --array=1 on the planned array script\\), then merge again$`));
  const otherSize = (await slices(join(base, 'os'), 3, { shardBytes: 512 }))[2]!;
  await rejectsUser(mergeCaches([...ok.slice(0, 2), otherSize], join(base, 'm')), /p2 \(slice 2\/3\) is from another cache than the other 2 slices: rowsPerShard \d+ ≠ \d+, shardCount \d+ ≠ \d+; missing slice 2\/3 \(have 0, 1\); re-run index 2 /);
  const otherN = (await slices(join(base, 'on'), 4))[3]!;
  await rejectsUser(mergeCaches([...ok, otherN], join(base, 'm')), /p3 \(slice 3\/4\) is from another cache than the other 3 slices: part\.of 4 ≠ 3$/);
  assert.ok(!existsSync(join(base, 'm')), 'nothing written');
});

test('merge lists every problem at once: a corrupt shard, a duplicate and a missing slice, with the indexes to re-run', async () => {
  const base = tmp();
  const p = await slices(base, 4);
  const idx = JSON.parse(readFileSync(join(p[2]!, 'index.json'), 'utf8')) as CacheIndex;
  const shard = join(p[2]!, idx.shards[0]!.file);
  const bytes = readFileSync(shard);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  writeFileSync(shard, bytes);
  await rejectsUser(
    mergeCaches([p[0]!, p[2]!, p[3]!, p[3]!], join(base, 'm')),
    /^cache merge: slice 3\/4 is given twice \(.*p3 and .*p3\); pass each slice once; .*p2 \(slice 2\/4\): shard shard-\d+\.bin does not match its checksum \(corrupt\); missing slice 1\/4 \(have 0, 2, 3\); re-run indexes 1,2 \(.*sbatch --array=1,2 on the planned array script\), then merge again$/,
  );
  await rejectsUser(mergeCaches([join(base, 'nope')], join(base, 'm')), /cache merge: slice .*nope: not a teacher cache \(no index\.json\)/);
});
