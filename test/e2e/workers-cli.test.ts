// --workers through the CLI: bad values refused in one line, auto recorded as the cores, and a 2-worker run stopped by
// a real SIGINT (Ctrl-C) mid-run keeps its checkpoint and resumes to exactly the uninterrupted run's weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliChild, cliInProcess, expectUserError } from '../helpers/cli.js';
import { tmp } from '../helpers/tiny.js';
import { configFromFlags } from '../../src/cli/commands/distill.js';

const cores = availableParallelism();

test('--workers 0, a fraction, a word or more than the cores: one line naming the flag, nothing written', async () => {
  const out = join(tmp(), 'run');
  const base = ['distill', '--no-teacher', '--student', 'mlp', '--epochs', '1', '--train-limit', '64', '--out', out];
  for (const bad of ['0', '1.5', 'many']) await expectUserError([...base, '--workers', bad], new RegExp(`^error: --workers ${bad}: expected a whole number from 1 to ${cores} \\(the cores available\\) or auto$`), { out, run: cliInProcess });
  await expectUserError([...base, '--workers', String(cores + 1)], new RegExp(`^error: --workers ${cores + 1}: this machine has ${cores} cores? available`), { out, run: cliInProcess });
  await expectUserError(['train-teacher', '--workers', '0', '--out', out], /^error: --workers 0: expected a whole number/, { out, run: cliInProcess });
});

test('--workers auto is recorded as the number of cores (the result depends on it)', async () => {
  const c = (await configFromFlags({ workers: 'auto' })) as { train: { workers: number } };
  assert.equal(c.train.workers, cores);
});

const weightBytes = (run: string) => {
  const dir = join(run, 'student');
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => readFileSync(join(dir, f)));
};

test('a 2-worker run stopped by SIGINT mid-run resumes to exactly the uninterrupted weights', { skip: cores < 2 ? `needs 2 cores, this machine has ${cores}` : false }, async () => {
  const base = tmp();
  // cnn has BatchNorm: its moving statistics (worker 0's) must come back from the checkpoint too.
  const args = (out: string) => ['distill', '--no-teacher', '--student', 'cnn', '--params', 'width=0.25,depth=1', '--epochs', '4', '--batch-size', '32', '--train-limit', '640', '--workers', '2', '--out', out, '--quiet'];
  const whole = join(base, 'whole');
  const w = await cli(args(whole));
  assert.equal(w.code, 0, w.stderr);
  assert.equal(JSON.parse(readFileSync(join(whole, 'config.json'), 'utf8')).train.workers, 2);

  const cut = join(base, 'cut');
  const { child, done } = cliChild(args(cut));
  const state = join(cut, 'checkpoint', 'state.json');
  while (!existsSync(state) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  const k = await done;
  assert.equal(k.signal, 'SIGINT', `the run ended by the signal, not on its own (code ${k.code})\n${k.stderr}`);
  assert.ok(!existsSync(join(cut, 'metrics.json')), 'stopped before it finished');
  const { meta } = JSON.parse(readFileSync(state, 'utf8')) as { meta: { epoch: number; history: unknown[] } };
  assert.ok(meta.epoch >= 1 && meta.epoch < 4, `checkpoint after epoch ${meta.epoch}`);

  const r = await cli(['distill', '--resume', cut, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  // Resumed, not restarted: the epochs before the signal are the checkpoint's records (their timings included).
  const epochs = JSON.parse(readFileSync(join(cut, 'metrics.json'), 'utf8')).epochs as unknown[];
  assert.deepEqual(epochs.slice(0, meta.epoch), meta.history);
  assert.deepEqual(weightBytes(cut), weightBytes(whole));
  const acc = (run: string) => JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).epochs.map((e: { valAccuracy: number }) => e.valAccuracy);
  assert.deepEqual(acc(cut), acc(whole));
});
