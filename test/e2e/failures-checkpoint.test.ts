/**
 * Damaged checkpoints and what a killed run leaves, through the real CLI (issue 17, failure 5, weak spots 1 and 9):
 * a run is killed with SIGKILL once its first checkpoint is on disk, its checkpoint is damaged in each way, and
 * --resume must refuse with one line naming the file and leave the run as it was; once the checkpoint is deleted,
 * --resume trains from the first epoch and the finished run holds no staging leftovers (a staging folder is also
 * removed by the next checkpoint write: src/train/checkpoint.ts removeCheckpointLeftovers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, expectUserError as expectUserErrorOf, startCli, waitFor } from '../helpers/cli.js';
import { tmp } from '../helpers/tiny.js';

const base = tmp('ed-fail-ck-');
/** The refusals run in this process (same error boundary and exit code, no start-up per call); the kill is real. */
const expectUserError = (args: string[], re: RegExp) => expectUserErrorOf(args, re, { run: cliInProcess });
const ARGS = ['--no-teacher', '--data', 'mnist', '--student', 'mlp', '--params', 'hidden=16,depth=1', '--train-limit', '512', '--batch-size', '32', '--epochs', '2', '--quiet'];

test('a damaged checkpoint (same-size bytes changed, truncated, state.json garbled) is refused naming the file; a kill leaves no staging folder behind', async () => {
  const run = join(base, 'run');
  const ck = join(run, 'checkpoint');
  const { child, done } = startCli(['distill', ...ARGS, '--out', run]);
  await waitFor(() => existsSync(join(ck, 'state.json')), 120_000, 'the first checkpoint');
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL', `the run finished before it was killed: ${killed.stderr}`);
  assert.ok(!existsSync(join(run, 'metrics.json')));
  const bin = join(ck, 'state.bin');
  const json = join(ck, 'state.json');
  const good = readFileSync(bin);
  const goodJson = readFileSync(json, 'utf8');
  assert.match(goodJson, /"sha256":"[0-9a-f]{64}"/, 'state.json records the checksum of state.bin');
  assert.ok(existsSync(join(run, '.lock')), 'the killed run could not remove its lock');
  // The killed run's lock is stale: each resume below takes it over and releases it when it stops.
  const left = () => readdirSync(run).sort();
  const before = left().filter((e) => e !== '.lock');

  // The same size, one weight's bytes changed: only the checksum can tell.
  const flipped = Buffer.from(good);
  flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
  writeFileSync(bin, flipped);
  await expectUserError(['distill', '--resume', run], new RegExp(`^error: ${bin}: its sha256 differs from the one in state.json \\(the bytes changed after it was written\\); the checkpoint is damaged and cannot be resumed from: delete ${ck} and --resume again to train from the first epoch, or start over with --force$`));
  assert.deepEqual(left(), before, 'a refused resume leaves the run as it was');
  assert.deepEqual(readFileSync(bin), flipped);

  writeFileSync(bin, good.subarray(0, good.length - 100));
  await expectUserError(['distill', '--resume', run], new RegExp(`^error: ${bin}: holds ${good.length - 100} bytes but state.json declares ${good.length} \\(the file is truncated or from another checkpoint\\); the checkpoint is damaged`));

  writeFileSync(bin, good);
  writeFileSync(json, goodJson.slice(0, goodJson.length / 2));
  await expectUserError(['distill', '--resume', run], new RegExp(`^error: ${json}: is not valid JSON \\(.*\\); the checkpoint is damaged`));
  writeFileSync(json, JSON.stringify({ hello: 'world' }));
  await expectUserError(['distill', '--resume', run], new RegExp(`^error: ${json}: does not hold a checkpoint`));
  assert.deepEqual(left(), before);

  // What a kill inside a checkpoint write leaves: the next checkpoint's staging folder with a partial state.bin
  // (written here as such a kill leaves it; the kill above landed between epochs).
  const staging = join(run, '.checkpoint.next.0badc0de.staging');
  mkdirSync(staging);
  writeFileSync(join(staging, 'state.bin'), good.subarray(0, 10));
  // The way out the message gives: delete the checkpoint, --resume again.
  rmSync(ck, { recursive: true });
  const r = await cliInProcess(['distill', '--resume', run]);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as { epochs: unknown[] };
  assert.equal(m.epochs.length, 2, 'trained from the first epoch');
  assert.deepEqual(left(), ['config.json', 'metrics.json', 'student'], 'no checkpoint, staging folder or temp file is left in a finished run');
});
