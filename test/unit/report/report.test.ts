import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../../src/report/html.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { logScale, linearScale } from '../../../src/report/svg.js';
import { launchChromium } from '../../../src/bench/browser/chromium.js';
import type { BenchResults, BenchRow, LatencyStats } from '../../../src/bench/results.js';
import { STATS_DEFINITIONS } from '../../../src/bench/stats.js';

const EVIL = '<img src=x onerror=alert(1)>';

function lat(p50: number): LatencyStats {
  return { batch: 1, n: 30, mean: p50 * 1.1, ci95: [p50, p50 * 1.2], sd: p50 * 0.1, cv: 0.1, min: p50 * 0.8, p50, p90: p50 * 1.3, p95: p50 * 1.4, p99: p50 * 2, max: p50 * 3, callsPerSample: 1, clockResolutionMs: 0.005, calls: 30 };
}

function row(target: string, model: 'student' | 'teacher', p50: number, acc: number, extra: Partial<BenchRow> = {}): BenchRow {
  return {
    target,
    model,
    artifact: { format: 'tfjs', precision: 'fp32', dir: model === 'student' ? `tfjs-${EVIL}` : '.', entry: 'model.json', bytes: model === 'student' ? 20_000 : 90_000, gzipBytes: model === 'student' ? 17_000 : 80_000, layout: 'nhwc' },
    status: 'ok',
    runtime: 'tfjs 4.22.0 (cpu)',
    load: { runtimeInitMs: 12, coldLoadMs: 30 },
    latency: lat(p50),
    throughput: [{ batch: 1, status: 'ok', samplesPerSec: 1000 / p50, latency: lat(p50) }, { batch: 8, status: 'skipped', reason: 'fixed batch' }],
    accuracy: { value: acc, correct: Math.round(acc * 100), total: 100, perClass: [{ correct: 40, total: 50 }, { correct: 50, total: 50 }] },
    ...(model === 'student' ? { agreement: { value: 0.97, total: 100, reference: 'teacher on node-tfjs-cpu' }, speedup: 3 } : {}),
    budget: { pass: model === 'student', checks: [{ metric: 'p50Ms', limit: 1, value: p50, pass: p50 <= 1 }] },
    notes: [`note with ${EVIL}`],
    ...extra,
  };
}

/** Results whose user-controlled strings (class names, file names, reasons, paths) all carry HTML. */
function evilResults(): BenchResults {
  return {
    schemaVersion: 1,
    tool: { name: 'edge-distill', version: '0.1.0' },
    createdAt: '2026-01-01T00:00:00.000Z',
    runDir: `/runs/${EVIL}`,
    quick: true,
    machine: { platform: 'linux', arch: 'x64', cpu: 'Test CPU', cores: 2, memoryBytes: 8e9, node: 'v20' },
    dataset: { spec: `folder/${EVIL}`, name: 'folder', split: 'test', samples: 100, classNames: [EVIL, 'cat | dog'] },
    statistics: { ...STATS_DEFINITIONS, sample: 'per-call ms' },
    models: { student: { source: `student/${EVIL}/model.json`, exportDir: '/runs/x/export' }, teacher: { path: '/t/model.json', onnx: 'not needed' } },
    targets: [
      { id: 'node-tfjs-cpu', description: `cpu ${EVIL}`, file: 'targets/node-tfjs-cpu.json', runtime: 'tfjs', host: 'node', backend: 'cpu', threads: 1, cpuThrottling: 1, batchSizes: [1, 8], budget: { maxBytes: 50_000, maxP50Ms: 1, maxP95Ms: 2 }, status: 'ok' },
      { id: 'chromium-tfjs-webgl', description: 'webgl', file: 'targets/x.json', runtime: 'tfjs', host: 'chromium', backend: 'webgl', threads: 1, cpuThrottling: 1, batchSizes: [1], budget: { maxP50Ms: 16 }, status: 'ok', device: { description: 'WebGL: SwiftShader', softwareEmulated: true } },
      { id: 'node-tfjs-tensorflow', description: 'tf', file: 'targets/y.json', runtime: 'tfjs', host: 'node', backend: 'tensorflow', threads: 1, cpuThrottling: 1, batchSizes: [1], budget: {}, status: 'skipped', reason: `not installed ${EVIL}` },
    ],
    rows: [
      row('node-tfjs-cpu', 'student', 0.2, 0.9),
      row('node-tfjs-cpu', 'teacher', 0.6, 0.95),
      row('chromium-tfjs-webgl', 'student', 6, 0.9, { device: { description: 'WebGL: SwiftShader', softwareEmulated: true } }),
      { target: 'node-tfjs-tensorflow', model: 'student', status: 'skipped', reason: `not installed ${EVIL}`, notes: [] },
      { target: 'chromium-tfjs-webgl', model: 'teacher', status: 'error', reason: `page failed: ${EVIL}`, notes: [] },
    ],
  };
}

test('scales: log ticks at 1-2-5 steps, linear ticks at nice steps', () => {
  const l = logScale(0.03, 7, 0, 100);
  assert.deepEqual(l.domain, [0.02, 10]);
  assert.deepEqual(l.ticks, [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]);
  assert.equal(l(0.02), 0);
  assert.equal(l(10), 100);
  const lin = linearScale(0, 93_000, 0, 100);
  assert.deepEqual(lin.ticks, [0, 20000, 40000, 60000, 80000, 100000]);
});

test('user data is escaped: a class named like an HTML tag shows as text in HTML and Markdown', () => {
  const html = renderHtml(evilResults());
  assert.ok(!html.includes(EVIL), 'raw HTML from user data must not reach the page');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)="https?:/i, 'no CDN: nothing is fetched');
  const md = renderMarkdown(evilResults());
  assert.ok(!md.includes(EVIL));
  assert.ok(md.includes('cat \\| dog'), 'pipes in class names must not break the table');
  assert.match(md, /chromium-tfjs-webgl †/);
});

test('report.html opens from disk in Chromium: no console errors, charts rendered, text escaped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ed-report-'));
  const file = join(dir, 'report.html');
  await writeFile(file, renderHtml(evilResults()));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), [], 'a self-contained report fetches nothing');
    assert.equal(await page.locator('svg.chart').count(), 3);
    assert.ok((await page.locator('svg.chart g.bar rect').count()) >= 6, 'latency and size bars');
    assert.equal(await page.locator('svg.chart .point').count(), 3, 'one scatter point per measured row');
    assert.equal(await page.locator('img').count(), 0, 'the class name must not become an <img>');
    assert.ok((await page.locator('body').innerText()).includes(EVIL), 'the class name shows as text');
    const box = await page.locator('svg.chart').first().boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, JSON.stringify(box));
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok((await stat(shot)).size > 10_000);
  } finally {
    await browser.close();
  }
});
