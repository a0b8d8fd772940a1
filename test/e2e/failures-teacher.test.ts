/**
 * Broken teachers through the real CLI (issue 17, weak spots 6 and 7): a teacher whose outputs are NaN is named as
 * broken before any training (not reported as the student's divergence), and a model.json whose weightsManifest
 * points outside its folder is refused before any file there is opened.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cliInProcess, expectUserError as expectUserErrorOf } from '../helpers/cli.js';
import { saveTinyModel, tmp } from '../helpers/tiny.js';
import { useBackend } from '../helpers/backend.js';

const base = tmp('ed-fail-teacher-');
const expectUserError = (args: string[], re: RegExp, out?: string) => expectUserErrorOf(args, re, { run: cliInProcess, ...(out ? { out } : {}) });

before(async () => {
  await useBackend('cpu');
});

test('a teacher with NaN weights is reported as broken before the run directory is made', async () => {
  const t = await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 });
  const shard = join(dirname(t), readdirSync(dirname(t)).find((f) => f.endsWith('.bin'))!);
  const bytes = readFileSync(shard);
  // Every float32 weight NaN (0x7fc00000, little-endian).
  for (let i = 0; i + 4 <= bytes.length; i += 4) bytes.writeUInt32LE(0x7fc00000, i);
  writeFileSync(shard, bytes);
  const out = join(base, 'nan');
  await expectUserError(['distill', '--teacher', t, '--data', 'mnist', '--train-limit', '64', '--epochs', '1', '--quiet', '--out', out], new RegExp(`^error: teacher ${t}: its outputs on the first training images of mnist are not finite \\(NaN among 20 values\\) although the images are; the teacher is broken`), out);
  assert.ok(!existsSync(out));
});

test('a weightsManifest path that leaves the model folder is refused, and nothing outside is opened', async () => {
  const t = await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 });
  const json = JSON.parse(readFileSync(t, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const outside = join(base, 'secret.bin');
  writeFileSync(outside, Buffer.alloc(16));
  for (const p of ['../../../../../../etc/passwd', outside]) {
    json.weightsManifest[0]!.paths = [p];
    writeFileSync(t, JSON.stringify(json));
    const out = join(base, 'escape');
    await expectUserError(['distill', '--teacher', t, '--out', out], new RegExp(`^error: ${t}: weightsManifest path ${JSON.stringify(p).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} leaves the model folder; weight files must lie inside ${dirname(t)}`), out);
    await expectUserError(['inspect', '--teacher', t], /leaves the model folder/);
  }
});
