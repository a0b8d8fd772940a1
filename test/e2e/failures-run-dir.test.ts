/**
 * The run directory under a second writer and after a failed start, through the real CLI (issue 17, weak spots 4
 * and 5): a live run's lock refuses a second `distill --force` (naming the holder's PID) and leaves the live run's
 * files alone; a lock left by a killed process is taken over; a fresh run that fails before its first checkpoint
 * removes what it wrote, so the same command can run again (an undecodable image found mid-epoch, a corrupt shard
 * of a shared teacher cache found when the run opens it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { cliInProcess, expectUserError, startCli, waitFor } from '../helpers/cli.js';
import { saveTinyModel, tmp } from '../helpers/tiny.js';

const base = tmp('ed-fail-rundir-');
const ARGS = ['--no-teacher', '--data', 'mnist', '--student', 'mlp', '--params', 'hidden=16,depth=1', '--train-limit', '512', '--batch-size', '32', '--quiet'];

test('a second distill --force on a live run is refused naming the holder; the lock of a killed run is taken over', async () => {
  const run = join(base, 'live');
  const a = startCli(['distill', ...ARGS, '--epochs', '40', '--out', run]);
  await waitFor(() => existsSync(join(run, '.lock')) && existsSync(join(run, 'config.json')), 120_000, 'the first run to start writing');
  const lock = JSON.parse(readFileSync(join(run, '.lock'), 'utf8')) as { pid: number; command: string };
  assert.equal(lock.pid, a.child.pid);
  assert.match(lock.command, /^edge-distill distill /);
  await expectUserError(['distill', ...ARGS, '--epochs', '1', '--force', '--out', run], new RegExp(`^error: --out ${run}: another edge-distill \\(PID ${a.child.pid}, started [0-9T:.-]+Z: edge-distill distill .*\\) is writing this run directory; wait for it to finish or stop it \\(kill ${a.child.pid}\\), or choose another --out$`));
  assert.ok(existsSync(join(run, 'config.json')), "the live run's files are left alone");
  assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).train.epochs, 40);
  a.child.kill('SIGKILL');
  assert.equal((await a.done).signal, 'SIGKILL');
  assert.ok(existsSync(join(run, '.lock')), 'a killed run cannot remove its lock');

  // The holder is gone: the lock is stale and a new writer takes it over.
  const r = await cliInProcess(['distill', ...ARGS, '--epochs', '1', '--force', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(run).sort(), ['config.json', 'metrics.json', 'student'], 'the lock is released when the run ends');
});

test('a directory holding only a stale lock counts as empty', async () => {
  const run = join(base, 'stale');
  mkdirSync(run);
  // PID 2^22 + 1 is above Linux's pid_max limit, so no process has it.
  writeFileSync(join(run, '.lock'), JSON.stringify({ pid: 4194305, host: (await import('node:os')).hostname(), started: '2026-01-01T00:00:00.000Z', command: 'edge-distill distill' }));
  const r = await cliInProcess(['distill', ...ARGS, '--epochs', '1', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(run).sort(), ['config.json', 'metrics.json', 'student']);
});

test('a fresh run that fails after it started writing (an undecodable image under --strict, no decode cache) leaves no config.json behind', async () => {
  const data = tmp('ed-fail-jpeg-');
  for (const [k, cls] of ['a', 'b'].entries()) {
    mkdirSync(join(data, cls));
    for (let i = 0; i < 6; i++) await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: 40 + 150 * k + i, g: 90, b: 90 } } }).jpeg().toFile(join(data, cls, `${i}.jpg`));
  }
  const good = readFileSync(join(data, 'a', '0.jpg'));
  writeFileSync(join(data, 'b', 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)));
  const out = join(base, 'jpeg-off');
  // Without a decode cache the image is decoded only when its batch comes, after config.json was written.
  const args = ['distill', '--no-teacher', '--data', data, '--decode-cache', 'off', '--strict', '--student', 'mlp', '--params', 'hidden=8,depth=1', '--epochs', '1', '--batch-size', '4', '--quiet', '--out', out];
  await expectUserError(args, /^error: .*b\/truncated.jpg: cannot be decoded as an image \([^\n]*\); remove it or drop --strict to skip such files$/, { run: cliInProcess });
  assert.ok(!existsSync(out), 'the run directory it made is removed');
  // An --out that existed (empty) before stays, empty.
  mkdirSync(out);
  await expectUserError(args, /truncated.jpg: cannot be decoded/, { run: cliInProcess });
  assert.deepEqual(readdirSync(out), []);
});

test('a fresh run whose shared teacher cache has a corrupt shard (found after config.json is written) leaves nothing behind', async () => {
  const teacher = await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 });
  const cache = join(base, 'cache');
  const built = await cliInProcess(['cache', '--teacher', teacher, '--data', 'mnist', '--out', cache, '--quiet']);
  assert.equal(built.code, 0, built.stderr);
  const shard = join(cache, readdirSync(cache).find((f) => f.endsWith('.bin'))!);
  const bytes = readFileSync(shard);
  bytes[bytes.length >> 1]! ^= 0xff; // same size: only the checksum tells
  writeFileSync(shard, bytes);
  const out = join(base, 'bad-shard');
  await expectUserError(['distill', '--teacher', teacher, '--cache', cache, '--student', 'mlp', '--params', 'hidden=8,depth=1', '--epochs', '1', '--quiet', '--out', out], /^error: --cache .*cache: shard shard-\d+\.bin does not match its checksum \(corrupt\); rebuild the cache \(--rebuild-cache\)$/, { run: cliInProcess });
  assert.ok(!existsSync(out), 'no run directory holding only config.json');
});
