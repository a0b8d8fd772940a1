/**
 * `edge-distill bench --serve` end to end: a second headless Chromium (Debian's /usr/bin/chromium) plays the device
 * over loopback, through the real CLI in a child process; the refusals (token, traversal, bad posts, port in use, the
 * run directory removed) through serveBench and the CLI's error boundary.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../src/bench/browser/chromium.js';
import { loadTestData } from '../../src/bench/data.js';
import { nodeTfjsRunner } from '../../src/bench/runners/node-tfjs.js';
import { createResources } from '../../src/bench/resources.js';
import { serveBench, type ServeOutcome } from '../../src/bench/serve/index.js';
import type { BenchResults } from '../../src/bench/results.js';
import type { DeviceBundle } from '../../src/bench/serve/device-page.js';
import type { ModelRef } from '../../src/bench/types.js';
import { parseTarget } from '../../src/config/target.js';
import { UserError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/progress.js';
import { makeRunDir } from '../unit/bench/fixtures.js';
import { cliInProcess, expectUserError } from '../helpers/cli.js';

const skip = chromiumMissing();
const entry = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const ONLY = ['--only', 'chromium-tfjs-wasm,chromium-ort-wasm'];
let run: string;
let browser: Browser | undefined;

before(async () => {
  run = await makeRunDir();
});
after(async () => {
  await browser?.close();
});

/** GET with the path sent exactly as written (fetch would normalise "../" away before sending). */
function rawGet(url: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const path = url.slice(u.origin.length);
  return new Promise((ok, fail) => {
    get({ hostname: u.hostname, port: u.port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}

/** Starts the CLI in a child process and resolves with its first URL once printed, and its exit. */
function spawnServe(args: string[]) {
  const p = spawn(process.execPath, ['--import', 'tsx', entry, 'bench', '--serve', ...args], { env: { ...process.env, EDGE_DISTILL_QUIET: '1' } });
  let stdout = '';
  let stderr = '';
  let onUrl: (u: string) => void;
  const url = new Promise<string>((ok) => (onUrl = ok));
  p.stdout.on('data', (d) => {
    stdout += d;
    const m = /http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+\//.exec(stdout);
    if (m) onUrl(m[0]);
  });
  p.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => p.on('close', (code, signal) => ok({ code, signal })));
  return { p, url, exit, out: () => ({ stdout, stderr }) };
}

/** Opens `url` in a fresh context of the device browser and waits until the page says it finished. */
async function runDevice(url: string): Promise<string> {
  browser ??= await launchChromium();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { deviceDone?: boolean; deviceError?: string }).deviceDone || (window as unknown as { deviceError?: string }).deviceError, null, { timeout: 180_000 });
    return await page.evaluate(() => document.body.innerText);
  } finally {
    await context.close();
  }
}

test('two devices over loopback: refused without the token, then each adds its rows to results.json and the report', { skip, timeout: 400_000 }, async () => {
  const s = spawnServe(['--run', run, ...ONLY, '--quick', '--test-limit', '32', '--devices', '2', '--serve-timeout', '300']);
  const url = await Promise.race([s.url, s.exit.then(() => assert.fail(`exited early: ${JSON.stringify(s.out())}`))]);
  const origin = new URL(url).origin;
  const token = /\/s\/([^/]+)\//.exec(url)![1]!;
  // Without the token, with a wrong or truncated one, nothing is served; the bundle's files only under it.
  for (const p of ['/', '/device.js', '/bench.json', '/models/0/model.json', `/s/${'x'.repeat(22)}/`, `/s/${token.slice(1)}/`, `/s/${token}x/bench.json`]) {
    const r = await rawGet(origin + p);
    assert.equal(r.status, 404, p);
  }
  assert.equal((await rawGet(`${url}bench.json`)).status, 200);
  const text1 = await runDevice(url);
  assert.match(text1, /Finished/, JSON.stringify(s.out()));
  const text2 = await runDevice(url);
  assert.match(text2, /Finished/, JSON.stringify(s.out()));
  const { code } = await s.exit;
  assert.equal(code, 0, JSON.stringify(s.out()));
  assert.match(s.out().stdout, /2 device\(s\), 4 row\(s\) merged into .*results\.json, report\.md, report\.html \(stopped: 2 device\(s\) finished\)/);

  const res = JSON.parse(readFileSync(join(run, 'bench', 'results.json'), 'utf8')) as BenchResults;
  assert.deepEqual(res.devices!.map((d) => [d.label, d.finished]), [['device-1', true], ['device-2', true]]);
  for (const d of res.devices!) {
    assert.match(d.userAgent, /HeadlessChrome\/\d+/);
    assert.equal(d.hardwareConcurrency, availableParallelism());
    assert.equal(d.secureContext, true);
    assert.equal(d.crossOriginIsolated, true);
    assert.match(d.webgpuAdapter ?? d.webglRenderer ?? '', /swiftshader/i);
  }
  assert.deepEqual(res.rows.map((r) => r.target).sort(), ['device-1/chromium-ort-wasm', 'device-1/chromium-tfjs-wasm', 'device-2/chromium-ort-wasm', 'device-2/chromium-tfjs-wasm']);
  // The accuracy the server computed from the device's predictions equals Node's tfjs on the same 32 images.
  const data = await loadTestData({ spec: 'mnist', seed: 1234 } as never, { limit: 32 });
  const ctx = { data, log: silentLogger, resources: createResources() };
  const ref: ModelRef = { role: 'student', dir: join(run, 'export', 'tfjs-fp32'), artifact: { format: 'tfjs', precision: 'fp32', dir: 'tfjs-fp32', entry: 'model.json', files: [], bytes: 0, gzipBytes: 0, layout: 'nhwc' } };
  const session = await nodeTfjsRunner.open(ref, parseTarget({ id: 'ref', description: 'r', runtime: 'tfjs', host: 'node', backend: 'cpu', artifact: { format: 'tfjs' } }, 'ref'), ctx);
  const pred = await session.predict(32);
  await session.dispose();
  const correct = pred.reduce((n, p, i) => n + (p === data.y[i] ? 1 : 0), 0);
  for (const r of res.rows) {
    assert.equal(r.status, 'ok', r.reason);
    assert.equal(r.servedDevice, r.target.split('/')[0]);
    assert.equal(r.accuracy!.total, 32);
    assert.equal(r.accuracy!.correct, correct, r.target);
    assert.ok(r.latency!.p50 > 0 && r.latency!.p50 <= r.latency!.p95);
    const f = r.firstPrediction!;
    assert.ok(f.totalMs > 0 && Math.abs(f.runtimeMs + f.modelDownloadMs + f.modelLoadMs + f.firstInferenceMs - f.totalMs) < 1, JSON.stringify(f));
    assert.equal(f.modelFiles, r.target.endsWith('tfjs-wasm') ? 2 : 1);
    assert.equal(f.modelBodyBytes, r.artifact!.bytes);
  }
  const md = readFileSync(join(run, 'bench', 'report.md'), 'utf8');
  assert.match(md, /## Served devices/);
  assert.match(md, /device-2\/chromium-ort-wasm/);
  assert.match(md, /## Time to first prediction/);
});

/** serveBench in this process on a copy of the run; resolves once it listens. */
async function serveInProcess(runDir: string, extra: Partial<Parameters<typeof serveBench>[0]> = {}) {
  const abort = new AbortController();
  let onUrl: (u: string) => void;
  const url = new Promise<string>((ok) => (onUrl = ok));
  const done: Promise<ServeOutcome> = serveBench({ runDir, only: ['chromium-tfjs-wasm'], quick: true, testLimit: 8, timeoutSec: 120, signal: abort.signal, onListening: (u) => onUrl(u[0]!), ...extra });
  done.catch(() => undefined);
  return { url: await Promise.race([url, done.then(() => assert.fail('stopped before listening'))]), done, abort };
}

test('only bundle files are served: traversal attempts, plain and encoded, are refused', { skip }, async () => {
  const copy = join(tmpdir(), `ed-serve-trav-${process.pid}`);
  await cp(run, copy, { recursive: true });
  const s = await serveInProcess(copy);
  try {
    assert.equal((await rawGet(`${s.url}models/0/model.json`)).status, 200);
    const attempts = [
      'models/0/../../../config.json', 'models/0/..%2f..%2f..%2fconfig.json', 'models/0/%2e%2e/%2e%2e/%2e%2e/config.json', 'models/0/%2e%2e%2f%2e%2e%2f%2e%2e%2fconfig.json',
      'models/0/%252e%252e/%252e%252e/config.json', 'models/0/..%5c..%5c..%5cconfig.json', 'models/0/%00', 'models/0/....//....//config.json',
      'vendor/tfjs/../package.json', 'vendor/tfjs/..%2fpackage.json', 'vendor/tfjs/%2e%2e/%2e%2e/%2e%2e/package.json', '../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd',
      '%2e%2e/%2e%2e/%2e%2e/etc/passwd', 'data/..%2f..%2f..%2fetc/passwd', '//etc/passwd', 'models/0//etc/passwd',
    ];
    for (const a of attempts) {
      const r = await rawGet(s.url + a);
      assert.notEqual(r.status, 200, a);
      assert.doesNotMatch(r.body, /root:|"teacher"|"version"/, a);
    }
  } finally {
    s.abort.abort();
    await s.done.catch(() => undefined);
    await rm(copy, { recursive: true, force: true });
  }
});

test('results posts that are malformed, too large or for another run are refused and nothing is merged; Ctrl-C keeps what came', { skip }, async () => {
  const copy = join(tmpdir(), `ed-serve-post-${process.pid}`);
  await cp(run, copy, { recursive: true });
  await rm(join(copy, 'bench'), { recursive: true, force: true });
  const results = join(copy, 'bench', 'results.json');
  const s = await serveInProcess(copy);
  try {
    const bundle = (await (await fetch(`${s.url}bench.json`)).json()) as DeviceBundle;
    const post = (body: string) => fetch(`${new URL(s.url).origin}${bundle.resultsUrl}`, { method: 'POST', body });
    const device = { userAgent: 'test', secureContext: true, crossOriginIsolated: true };
    const skipped = { kind: 'job', runId: bundle.runId, deviceId: '0123456789abcdef', device, jobId: bundle.jobs[0]!.id, status: 'skipped', reason: 'this browser has no WebAssembly' };
    const cases: [string, string, number, RegExp][] = [
      ['not JSON', '{ nope', 400, /the body is not JSON/],
      ['wrong shape', JSON.stringify({ kind: 'job' }), 400, /refused: /],
      ['unknown field', JSON.stringify({ ...skipped, extra: 1 }), 400, /refused: .*(extra|Unrecognized)/i],
      ['ok without a result', JSON.stringify({ ...skipped, status: 'ok' }), 400, /result/],
      ['unknown job', JSON.stringify({ ...skipped, jobId: 'j99' }), 400, /no job "j99"/],
      ['another run', JSON.stringify({ ...skipped, runId: 'f'.repeat(24) }), 409, /another bench --serve session/],
      ['done before any job', JSON.stringify({ kind: 'done', runId: bundle.runId, deviceId: '0123456789abcdef', device }), 400, /posted no job/],
    ];
    for (const [what, body, status, re] of cases) {
      const r = await post(body);
      assert.equal(r.status, status, what);
      assert.match(await r.text(), re, what);
    }
    const big = await post(JSON.stringify({ ...skipped, reason: 'x'.repeat(3 * 1024 * 1024) })).catch((e: Error) => e);
    if (!(big instanceof Error)) assert.equal(big.status, 413);
    assert.equal(existsSync(results), false, 'nothing merged');
    // A device that cannot run a runtime: its row says why.
    assert.equal((await post(JSON.stringify(skipped))).status, 200);
    assert.equal((await post(JSON.stringify(skipped))).status, 409, 'the same job twice');
    const merged = JSON.parse(readFileSync(results, 'utf8')) as BenchResults;
    assert.deepEqual(merged.rows.map((r) => [r.target, r.status, r.reason]), [['device-1/chromium-tfjs-wasm', 'skipped', 'this browser has no WebAssembly']]);
  } finally {
    s.abort.abort();
  }
  const out = await s.done;
  assert.equal(out.reason, 'interrupted');
  assert.equal(out.rows, 1);
  assert.equal((JSON.parse(readFileSync(results, 'utf8')) as BenchResults).rows.length, 1, 'kept after the stop');
  assert.ok(existsSync(join(copy, 'bench', 'report.md')) === false, 'reports are the CLI\'s (onMerged), not written here');
  await rm(copy, { recursive: true, force: true });
});

test('the run directory removed while serving stops the server with a clear error', { skip }, async () => {
  const copy = join(tmpdir(), `ed-serve-gone-${process.pid}`);
  await cp(run, copy, { recursive: true });
  const s = await serveInProcess(copy);
  await rm(copy, { recursive: true, force: true });
  await assert.rejects(s.done, (e: unknown) => e instanceof UserError && /the run directory was removed while serving/.test(e.message));
});

test('a port in use is a clear error naming --port; --host without --serve is refused', async () => {
  const blocker = createServer();
  await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
  const port = (blocker.address() as { port: number }).port;
  try {
    await expectUserError(['bench', '--serve', '--run', run, ...ONLY, '--port', String(port)], new RegExp(`--port ${port}: 127\\.0\\.0\\.1:${port} is already in use; choose another port, or leave out --port`), { run: cliInProcess });
  } finally {
    blocker.close();
  }
  await expectUserError(['bench', '--run', run, '--host', '0.0.0.0'], /--host applies to --serve only/, { run: cliInProcess });
  await expectUserError(['bench', '--serve', '--run', run, ...ONLY, '--port', '70000'], /--port 70000: expected a port number from 1 to 65535/, { run: cliInProcess });
});

test('SIGINT stops the CLI server: exit 0 with the rows received kept; with none received, exit 1', { skip, timeout: 120_000 }, async () => {
  const copy = join(tmpdir(), `ed-serve-int-${process.pid}`);
  await cp(run, copy, { recursive: true });
  await rm(join(copy, 'bench'), { recursive: true, force: true });
  try {
    const s = spawnServe(['--run', copy, '--only', 'chromium-tfjs-wasm', '--quick', '--test-limit', '8']);
    const url = await s.url;
    const bundle = (await (await fetch(`${url}bench.json`)).json()) as DeviceBundle;
    const body = { kind: 'job', runId: bundle.runId, deviceId: 'fedcba9876543210', device: { userAgent: 'test', secureContext: false, crossOriginIsolated: false }, jobId: 'j0', status: 'error', reason: 'out of memory' };
    assert.equal((await fetch(`${new URL(url).origin}${bundle.resultsUrl}`, { method: 'POST', body: JSON.stringify(body) })).status, 200);
    s.p.kill('SIGINT');
    const { code } = await s.exit;
    assert.equal(code, 0, JSON.stringify(s.out()));
    assert.match(s.out().stdout, /1 device\(s\), 1 row\(s\) merged .*\(stopped: interrupted\)/);
    const res = JSON.parse(readFileSync(join(copy, 'bench', 'results.json'), 'utf8')) as BenchResults;
    assert.deepEqual(res.rows.map((r) => [r.target, r.status, r.reason]), [['device-1/chromium-tfjs-wasm', 'error', 'out of memory']]);
    assert.match(readFileSync(join(copy, 'bench', 'report.md'), 'utf8'), /not secure \(plain http\)/);

    const t = spawnServe(['--run', copy, '--only', 'chromium-tfjs-wasm', '--quick', '--test-limit', '8']);
    await t.url;
    t.p.kill('SIGINT');
    const second = await t.exit;
    assert.equal(second.code, 1);
    assert.match(t.out().stderr, /^error: bench --serve --run .*: no device posted results before the server stopped \(interrupted\); nothing was merged$/m);
    // The first session's row is still there.
    assert.equal((JSON.parse(readFileSync(join(copy, 'bench', 'results.json'), 'utf8')) as BenchResults).rows.length, 1);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
