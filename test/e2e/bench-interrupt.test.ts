/**
 * A bench stopped part-way, through the real CLI in a child process with real signals: SIGINT and SIGTERM during a
 * Chromium bench exit 130 / 143 with one line and leave the previous RUN/bench byte for byte; SIGKILL at a random
 * moment leaves it whole and the next bench succeeds; SIGINT at a random moment never exits 0 and leaves it whole; a later bench repairs what an interrupted swap left (in
 * process: no signals there); Chromium's profile folders live in folders named with the bench's pid, go with it and
 * are removed by the next bench when it was killed; a bench that measured nothing exits 1 naming the failed rows.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromiumMissing } from '../../src/bench/browser/chromium.js';
import { PROFILE_PREFIX } from '../../src/bench/browser/profile.js';
import type { BenchResults } from '../../src/bench/results.js';
import { makeRunDir } from '../unit/bench/fixtures.js';
import { cliInProcess, errorLines, spawnCli } from '../helpers/cli.js';

const noChromium = chromiumMissing();
const browserTest = noChromium ? { skip: `browser bench tests need Chromium: ${noChromium}` } : {};

/** Every file under `dir` with a hash of its bytes, by relative path: the folder's exact state. */
function snapshot(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = join(rel, name);
    if (statSync(join(dir, r)).isDirectory()) Object.assign(out, snapshot(dir, r));
    else out[r] = createHash('sha256').update(readFileSync(join(dir, r))).digest('hex');
  }
  return out;
}

/** The hidden entries of a run directory (what an interrupted swap leaves). */
const hidden = (run: string) => readdirSync(run).filter((n) => n.startsWith('.'));

/** Chromium profile folders in `tmp`. */
const profiles = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith(PROFILE_PREFIX));

/** True once a profile folder in `tmp` holds Playwright's Chromium profile: Chromium is starting or running. */
function chromiumStarted(tmp: string): boolean {
  return profiles(tmp).some((p) => {
    try {
      return readdirSync(join(tmp, p)).some((n) => n.startsWith('playwright_chromiumdev_profile-'));
    } catch {
      return false; // removed meanwhile
    }
  });
}

/** Waits until `cond` holds (polling), failing with `what` after `ms`. */
async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Whether a running process has `text` in its command line (read from /proc: Chromium's carries its profile path). */
function processMentions(text: string): boolean {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** A pid no process has: that of a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

const QUICK = ['--quick', '--test-limit', '16'];
let run: string;
/** RUN/bench after a good bench, as a snapshot. */
let good: Record<string, string>;

/** How long a whole Chromium bench took here (the random moments below range over it). */
let benchMs = 0;

before(async () => {
  run = await makeRunDir();
  const t0 = Date.now();
  const r = await cliInProcess(['bench', '--run', run, ...QUICK, '--only', noChromium ? 'node-ort-cpu' : 'chromium-ort-wasm,node-ort-cpu']);
  benchMs = Date.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  good = snapshot(join(run, 'bench'));
  assert.deepEqual(Object.keys(good), ['report.html', 'report.md', 'results.json']);
});

/** A fresh temp dir for one bench child (TMPDIR), so its Chromium profile folders can be watched and counted. */
const freshTmp = () => mkdtemp(join(tmpdir(), 'ed-bench-tmp-'));

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${signal} during a Chromium bench exits ${code} with one line and keeps the previous bench folder byte for byte`, browserTest, async () => {
    const tmp = await freshTmp();
    // A profile folder of a bench that was killed (its pid is gone) and one of a live process (this test's).
    const stale = `${PROFILE_PREFIX}${deadPid()}-abcdef`;
    const live = `${PROFILE_PREFIX}${process.pid}-abcdef`;
    await mkdir(join(tmp, stale, 'Default'), { recursive: true });
    await mkdir(join(tmp, live));
    const child = spawnCli(['bench', '--run', run, ...QUICK, '--only', 'chromium-ort-wasm,node-ort-cpu'], { TMPDIR: tmp });
    // Chromium is running (or starting) once its profile folder holds Playwright's profile.
    await waitFor(() => chromiumStarted(tmp), 90_000, 'Chromium to start');
    await waitFor(() => processMentions(tmp), 30_000, 'the Chromium process');
    await sleep(300);
    process.kill(child.pid, signal);
    const r = await child.done;
    assert.equal(r.code, code, `exit code ${r.code} (signal ${r.signal})\n${r.stderr}`);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^error: bench interrupted by ${signal} before it finished: nothing was written; .*bench still holds the previous results`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.stdout, /measured, /, 'no summary of a bench that did not finish');
    assert.deepEqual(snapshot(join(run, 'bench')), good);
    assert.deepEqual(hidden(run), [], 'no staging or .old folder left');
    await waitFor(() => !processMentions(tmp), 20_000, 'Chromium to exit');
    assert.deepEqual(profiles(tmp), [live], 'the bench removed the dead one\'s profile folder, kept the live one\'s, and its own went with it');
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('playwright')), [], 'nothing of Playwright directly in the temp dir');
    await rm(tmp, { recursive: true, force: true });
  });
}

/** The state of RUN/bench: the previous bench byte for byte, or a whole new one; never a mixture. */
function assertWhole(bench: string, why: string): 'previous' | 'new' {
  const now = snapshot(bench);
  if (JSON.stringify(now) === JSON.stringify(good)) return 'previous';
  assert.deepEqual(Object.keys(now), ['report.html', 'report.md', 'results.json'], why);
  const res = JSON.parse(readFileSync(join(bench, 'results.json'), 'utf8')) as BenchResults;
  assert.deepEqual(res.targets.map((t) => t.id), ['chromium-ort-wasm', 'node-ort-cpu'], why);
  return 'new';
}

/** Starts a Chromium bench and sends `signal` at a random moment, from Chromium's start to past the bench's end. */
async function signalAtRandom(signal: 'SIGKILL' | 'SIGINT', tmp: string) {
  const child = spawnCli(['bench', '--run', run, ...QUICK, '--only', 'chromium-ort-wasm,node-ort-cpu'], { TMPDIR: tmp });
  await waitFor(() => chromiumStarted(tmp), 90_000, 'the bench to reach Chromium');
  // From Chromium's start to a little past the time a whole bench took (measured in before()).
  const delay = Math.round(Math.random() * benchMs * 1.1);
  await sleep(delay);
  // A child that has exited may have handed its pid on: only a running one is signalled.
  const sent = !child.exited;
  if (sent) process.kill(child.pid, signal);
  const r = await child.done;
  return { r, sent, why: `${signal} ${sent ? '' : 'not '}sent ${delay} ms after Chromium started (exit ${r.code}, signal ${r.signal})\n${r.stderr}` };
}

test('SIGKILL at a random moment of a Chromium bench leaves RUN/bench whole, and the next bench succeeds and tidies up', browserTest, async (t) => {
  const tmp = await freshTmp();
  const { r, sent, why } = await signalAtRandom('SIGKILL', tmp);
  t.diagnostic(why.split('\n')[0]!);
  const bench = join(run, 'bench');
  if (sent && r.signal === 'SIGKILL') {
    // Killed: the previous bench or a whole new one, or (killed between the swap's two renames) nothing at bench/
    // and the previous bench set aside.
    if (existsSync(bench)) assertWhole(bench, why);
    else assert.ok(hidden(run).some((n) => n.endsWith('.old')), why);
  } else {
    assert.equal(r.code, 0, why);
    assert.equal(assertWhole(bench, why), 'new', why);
  }
  // Chromium follows its parent (its control pipe closes).
  await waitFor(() => !processMentions(tmp), 20_000, `Chromium (profile under ${tmp}) to exit; ${why}`);

  const next = await cliInProcess(['bench', '--run', run, ...QUICK, '--only', 'node-ort-cpu'], { TMPDIR: tmp });
  assert.equal(next.code, 0, `${why}\n${next.stderr}`);
  const res = JSON.parse(readFileSync(join(bench, 'results.json'), 'utf8')) as BenchResults;
  assert.deepEqual(res.targets.map((t) => t.id), ['node-ort-cpu']);
  assert.deepEqual(hidden(run), [], `no leftovers after the next bench; ${why}`);
  assert.deepEqual(profiles(tmp), [], `the killed bench's Chromium profile folder was removed; ${why}`);
  good = snapshot(bench);
  await rm(tmp, { recursive: true, force: true });
});

test('SIGINT at a random moment of a Chromium bench never exits 0 and leaves RUN/bench whole, with nothing beside it', browserTest, async (t) => {
  const tmp = await freshTmp();
  const { r, sent, why } = await signalAtRandom('SIGINT', tmp);
  const bench = join(run, 'bench');
  const state = assertWhole(bench, why);
  t.diagnostic(`${why.split('\n')[0]!}: RUN/bench is the ${state} one`);
  assert.deepEqual(hidden(run), [], why);
  if (!sent) {
    assert.equal(r.code, 0, why);
    assert.equal(state, 'new', why);
  } else if (r.signal === 'SIGINT') {
    // After the bench had returned (its handlers gone), Node's default action: the new bench was complete.
    assert.equal(state, 'new', why);
  } else {
    assert.equal(r.code, 130, why);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, why);
    if (state === 'previous') assert.match(lines[0]!, /^error: bench interrupted by SIGINT before it finished: nothing was written; .*bench still holds the previous results/, why);
    else assert.match(lines[0]!, /^error: bench interrupted by SIGINT as it finished: the new results were written whole to .*bench$/, why);
  }
  await waitFor(() => !processMentions(tmp), 20_000, `Chromium (profile under ${tmp}) to exit; ${why}`);
  good = snapshot(bench);
  await rm(tmp, { recursive: true, force: true });
});

test('a later bench repairs an interrupted swap: a missing bench/ comes back from .old; stale staging goes; a live writer is left alone', async () => {
  const r2 = await mkdtemp(join(tmpdir(), 'ed-bench-swap-'));
  await cp(run, r2, { recursive: true });
  const bench = join(r2, 'bench');
  const dead = deadPid();
  // Killed between the swap's two renames: bench/ set aside, the new one complete in staging.
  await cp(bench, join(r2, `.bench.${dead}-0a0a0a0a.old`), { recursive: true });
  await cp(bench, join(r2, `.bench.${dead}-0a0a0a0a.staging`), { recursive: true });
  await rm(bench, { recursive: true });
  // Killed while writing an earlier staging folder, and a folder of a writer that is still running (this test).
  await mkdir(join(r2, `.bench.${dead}-0b0b0b0b.staging`));
  await mkdir(join(r2, `.bench.${process.pid}-0c0c0c0c.staging`));
  // The repair runs before anything else, so even a refused bench leaves bench/ repaired. In process, this test's
  // pid is the bench's own: its folder is left alone as a live writer's would be.
  const r = await cliInProcess(['bench', '--run', r2, '--only', 'nope']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`bench: restored ${bench.replace(/[/.]/g, '\\$&')} from \\.bench\\.${dead}-0a0a0a0a\\.old, left by an interrupted run`));
  assert.deepEqual(snapshot(bench), good);
  assert.deepEqual(hidden(r2), [`.bench.${process.pid}-0c0c0c0c.staging`]);

  // bench/ present: a dead writer's staging and .old folders are simply removed.
  await mkdir(join(r2, `.bench.${dead}-0d0d0d0d.old`));
  await mkdir(join(r2, `.bench.${dead}-0d0d0d0d.staging`));
  await rm(join(r2, `.bench.${process.pid}-0c0c0c0c.staging`), { recursive: true });
  const again = await cliInProcess(['bench', '--run', r2, '--only', 'nope']);
  assert.equal(again.code, 1);
  assert.deepEqual(hidden(r2), []);
  assert.deepEqual(snapshot(bench), good);
  await rm(r2, { recursive: true, force: true });
});

test('a bench where every row failed exits 1 and its one line names each failed row', async () => {
  const r3 = await mkdtemp(join(tmpdir(), 'ed-bench-fail-'));
  await cp(run, r3, { recursive: true });
  // Both models on node-tfjs-cpu unreadable: weight files cut short.
  for (const dir of [join(r3, 'export', 'tfjs-fp32'), join(r3, 'teacher')]) {
    for (const f of await readdir(dir)) if (f.endsWith('.bin')) await truncate(join(dir, f), 10);
  }
  const r = await cliInProcess(['bench', '--run', r3, ...QUICK, '--only', 'node-tfjs-cpu']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /0 measured, 0 skipped, 2 failed/);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').pop(), lines[0], 'the error is the last line');
  assert.match(lines[0]!, /^error: bench --run .*: nothing was measured: all 2 rows that ran failed \(node-tfjs-cpu student, node-tfjs-cpu teacher\)/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  await rm(r3, { recursive: true, force: true });
});
