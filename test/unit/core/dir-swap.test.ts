/** Replacing a folder whole and repairing what a killed swap left (src/core/dir-swap.ts), on real folders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverDirSwap, replaceDirSafely } from '../../../src/core/dir-swap.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'ed-dir-swap-'));
const folder = (dir: string, text: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'f.txt'), text);
};
const read = (dir: string) => readFileSync(join(dir, 'f.txt'), 'utf8');
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

test('replaceDirSafely swaps a filled folder in, and leaves the old one whole when filling or the guard throws', async () => {
  const root = fresh();
  const dir = join(root, 'bench');
  folder(dir, 'old');
  await assert.rejects(replaceDirSafely(dir, async (s) => (writeFileSync(join(s, 'f.txt'), 'half'), Promise.reject(new Error('boom')))), /boom/);
  assert.equal(read(dir), 'old');
  await assert.rejects(replaceDirSafely(dir, async (s) => writeFileSync(join(s, 'f.txt'), 'new'), async () => Promise.reject(new Error('stopped'))), /stopped/);
  assert.equal(read(dir), 'old');
  assert.deepEqual(readdirSync(root), ['bench']);
  assert.equal(await replaceDirSafely(dir, async (s) => (writeFileSync(join(s, 'f.txt'), 'new'), 7)), 7);
  assert.equal(read(dir), 'new');
  assert.deepEqual(readdirSync(root), ['bench']);
});

test('recoverDirSwap restores the newest dead .old when the folder is missing, removes dead leftovers, keeps live ones and other names', async () => {
  const root = fresh();
  const dir = join(root, 'bench');
  const dead = deadPid();
  folder(join(root, `.bench.${dead}-aaaa.old`), 'older');
  folder(join(root, `.bench.${dead}-bbbb.old`), 'newer');
  utimesSync(join(root, `.bench.${dead}-aaaa.old`), 1000, 1000);
  folder(join(root, `.bench.${dead}-bbbb.staging`), 'complete new');
  folder(join(root, '.bench.cccc1234.staging'), 'left by a version without pids');
  folder(join(root, `.bench.${process.pid}-dddd.staging`), 'this process: live');
  folder(join(root, `.benchmark.${dead}-eeee.staging`), 'another folder');
  folder(join(root, `.bench.${dead}-zz.staging`), 'not a tag');
  const notes = await recoverDirSwap(dir);
  assert.equal(read(dir), 'newer');
  assert.equal(notes.length, 4, notes.join('\n'));
  assert.match(notes[0]!, new RegExp(`^restored .*bench from \\.bench\\.${dead}-bbbb\\.old, left by an interrupted run$`));
  assert.deepEqual(readdirSync(root).sort(), [`.bench.${dead}-zz.staging`, `.bench.${process.pid}-dddd.staging`, `.benchmark.${dead}-eeee.staging`, 'bench'].sort());
  assert.deepEqual(await recoverDirSwap(dir), [], 'nothing left to repair');
  assert.deepEqual(await recoverDirSwap(join(root, 'missing', 'bench')), []);
});
