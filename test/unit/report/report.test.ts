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
      row('device-1/chromium-tfjs-wasm', 'student', 2, 0.9, { servedDevice: 'device-1', firstPrediction: FIRST }),
    ],
    // What a device posts about itself is user data too.
    devices: [{ label: 'device-1', id: '0123456789abcdef', firstSeen: '2026-01-01T00:00:00.000Z', finished: false, userAgent: `UA ${EVIL}`, hardwareConcurrency: 8, webgpuAdapter: `gpu ${EVIL}`, secureContext: false, crossOriginIsolated: false }],
  };
}

/** A time to first prediction whose parts add up: 1234.5 = 800 + 300 + 100 + 34.5. */
const FIRST = {
  totalMs: 1234.5, runtimeMs: 800, runtimeDownloadMs: 600, runtimeTransferBytes: 300_000, modelDownloadMs: 300, modelFiles: 2,
  modelTransferBytes: 15_600, modelEncodedBytes: 15_000, modelBodyBytes: 20_000, modelLoadMs: 100, firstInferenceMs: 34.5, network: 'slow-4g',
};

/**
 * Results with round numbers, so every rendered value below is worked out by hand: fmtMs keeps three significant
 * digits, sizes are SI (1 kB = 1000 B), speedup is teacher p50 / student p50.
 */
function knownResults(): BenchResults {
  const latency = (p50: number, p90: number, p95: number, p99: number, mean: number, ci95: [number, number], cv: number): LatencyStats => ({
    batch: 1, n: 40, mean, ci95, sd: mean * cv, cv, min: p50 * 0.9, p50, p90, p95, p99, max: p99 * 1.5, callsPerSample: 1, clockResolutionMs: 0.001, calls: 40,
  });
  const onnx = (bytes: number, gzipBytes: number) => ({ format: 'onnx' as const, precision: 'fp32' as const, dir: 'onnx-fp32', entry: 'model.onnx', bytes, gzipBytes, layout: 'nchw' as const });
  const perClass = (a: number, b: number) => [{ correct: a, total: 500 }, { correct: b, total: 500 }];
  const studentP50 = 0.023;
  const teacherP50 = 0.5;
  return {
    schemaVersion: 1,
    tool: { name: 'edge-distill', version: '0.1.0' },
    createdAt: '2026-02-03T04:05:06.000Z',
    runDir: '/runs/known',
    quick: false,
    machine: { platform: 'linux', arch: 'x64', cpu: 'Test CPU', cores: 4, memoryBytes: 16e9, node: 'v20.1.0' },
    dataset: { spec: 'mnist', name: 'mnist', split: 'test', samples: 1000, classNames: ['zero', 'one'] },
    statistics: { ...STATS_DEFINITIONS, sample: 'per-call ms' },
    models: { student: { source: 'distill run', exportDir: '/runs/known/export' }, teacher: { path: '/t/model.json', onnx: 'exported for this bench' } },
    targets: [
      { id: 'node-ort-cpu', description: 'onnxruntime-node', file: 't/a.json', runtime: 'onnxruntime', host: 'node', backend: 'cpu', threads: 2, cpuThrottling: 4, batchSizes: [1, 8], budget: { maxBytes: 1_000_000, maxP50Ms: 0.1 }, status: 'ok' },
      { id: 'node-tfjs-tensorflow', description: 'tfjs-node', file: 't/b.json', runtime: 'tfjs', host: 'node', backend: 'tensorflow', threads: 1, cpuThrottling: 1, batchSizes: [1], budget: {}, status: 'skipped', reason: 'tfjs-node is not installed' },
    ],
    rows: [
      {
        target: 'node-ort-cpu', model: 'student', artifact: onnx(20_480, 17_340), status: 'ok', runtime: 'onnxruntime-node 1.22.0 (cpu)',
        load: { runtimeInitMs: 12.3, coldLoadMs: 152.4 },
        latency: latency(studentP50, 0.027, 0.031, 0.048, 0.0252, [0.0241, 0.0263], 0.123),
        throughput: [{ batch: 1, status: 'ok', samplesPerSec: 39_682.54 }, { batch: 8, status: 'ok', samplesPerSec: 52.34 }],
        memory: { bytes: 2_500_000, gpuBytes: 640, source: 'tf.memory()' },
        accuracy: { value: 0.917, correct: 917, total: 1000, perClass: perClass(450, 467) },
        agreement: { value: 0.955, total: 1000, reference: 'teacher on node-ort-cpu' },
        speedup: teacherP50 / studentP50,
        budget: { pass: true, checks: [{ metric: 'p50Ms', limit: 0.1, value: studentP50, pass: true }] },
        notes: [],
      },
      {
        target: 'node-ort-cpu', model: 'teacher', artifact: onnx(1_234_567, 1_100_000), status: 'ok', runtime: 'onnxruntime-node 1.22.0 (cpu)',
        load: { runtimeInitMs: 0.5, coldLoadMs: 1520 },
        latency: latency(teacherP50, 0.58, 0.61, 0.9, 0.55, [0.52, 0.58], 0.05),
        throughput: [{ batch: 1, status: 'ok', samplesPerSec: 1818.2 }, { batch: 8, status: 'error', reason: 'out of memory' }],
        accuracy: { value: 0.97, correct: 970, total: 1000, perClass: perClass(480, 490) },
        budget: { pass: false, checks: [{ metric: 'p50Ms', limit: 0.1, value: teacherP50, pass: false }] },
        notes: [],
      },
      { target: 'node-tfjs-tensorflow', model: 'student', status: 'skipped', reason: 'tfjs-node is not installed', notes: [] },
    ],
  };
}

/** The cells of each Markdown table, by the title of its section. */
function mdTables(md: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const part of md.split(/^## /m).slice(1)) {
    const [title, ...lines] = part.split('\n');
    const rows = lines.filter((l) => l.startsWith('|')).map((l) => l.slice(2, -2).split(' | '));
    if (rows.length) out.set(title!, [rows[0]!, ...rows.slice(2)]);
  }
  return out;
}

/** The cells of each HTML table (header row first), tags stripped and entities decoded, by the title of its section. */
function htmlTables(html: string): Map<string, string[][]> {
  const decode = (s: string) => s.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const out = new Map<string, string[][]>();
  for (const part of html.split('<h2>').slice(1)) {
    const title = decode(part.slice(0, part.indexOf('</h2>')));
    const rows = [...part.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => decode(c[1]!)));
    if (rows.length) out.set(title, rows);
  }
  return out;
}

test('rendered numbers, worked by hand: ms to three significant digits, speedup teacher p50 / student p50, SI sizes, percentages, rates', () => {
  const md = renderMarkdown(knownResults());
  const lines = md.split('\n');
  // 0.5 / 0.023 = 21.7 → "22×" (two digits from 10 up); 0.023 → "0.0230"; 20 480 B → "20.5 kB"; 917/1000 → "91.7%".
  assert.ok(lines.includes('| node-ort-cpu | student onnx/fp32 | 0.0230 | 0.0310 | 0.0252 (0.0241–0.0263) | 0.12 | 22× | 91.7% | 95.5% | 20.5 kB (17.3 kB) | pass |'), md);
  assert.ok(lines.includes('| node-ort-cpu | teacher onnx/fp32 | 0.500 | 0.610 | 0.550 (0.520–0.580) | 0.05 | – | 97.0% | – | 1.23 MB (1.10 MB) | FAIL (p50Ms) |'), md);
  assert.ok(lines.includes('| node-ort-cpu | student onnx/fp32 | 39,683 | 52.3 |'), 'samples/s: thousands separators from 100 up, one decimal below');
  assert.ok(lines.includes('| node-ort-cpu | teacher onnx/fp32 | 1,818 | error |'));
  assert.ok(lines.includes('| node-ort-cpu | student onnx/fp32 | onnxruntime-node 1.22.0 (cpu) | 12.3 | 152 | 2.50 MB (GPU 640 B) |'));
  assert.ok(lines.includes('| node-ort-cpu | teacher onnx/fp32 | onnxruntime-node 1.22.0 (cpu) | 0.500 | 1520 | not reported by the runtime |'));
  assert.ok(lines.includes('| zero | 500 | 90.0% | 96.0% |') && lines.includes('| one | 500 | 93.4% | 98.0% |'), 'per class: 450/500, 480/500, 467/500, 490/500');
  assert.ok(lines.includes('| node-ort-cpu | onnxruntime / node / cpu | 2 | 4× | ≤ 1.00 MB, p50 ≤ 0.1 ms |  |'));
  assert.ok(lines.includes('| node-tfjs-tensorflow | tfjs / node / tensorflow | 1 | – | none | skipped: tfjs-node is not installed |'));
  assert.ok(lines.includes('| node-tfjs-tensorflow | student | skipped | tfjs-node is not installed |'));
  assert.ok(lines.includes('- Machine: Test CPU, 4 cores, 16.0 GB RAM, linux/x64, Node v20.1.0'));

  const html = renderHtml(knownResults());
  for (const cell of [
    '<td class="num">0.0230</td>', '<td class="num">0.0270</td>', '<td class="num">0.0480</td>', // p50, and the HTML-only p90 and p99
    '<td class="num">22×</td>', '<td class="num" title="teacher on node-ort-cpu">95.5%</td>', '<td class="num">20.5 kB (17.3 kB)</td>',
    '<td class="pass" title="p50Ms: 0.02300 ≤ 0.1: pass">pass</td>', '<td class="fail" title="p50Ms: 0.5000 ≤ 0.1: FAIL">FAIL (p50Ms)</td>',
    '<td class="num">39,683</td>', '<td class="num muted" title="out of memory">error</td>', '<td>2.50 MB (GPU 640 B)</td>',
    '<td class="num">93.4%</td>', '<td>onnxruntime / node / cpu</td>', '<li>Machine: Test CPU, 4 cores, 16.0 GB RAM, linux/x64, Node v20.1.0</li>',
  ]) assert.ok(html.includes(cell), cell);
});

test('Markdown and HTML show the same values: every Markdown table is the HTML table of the same section, less its detail columns', () => {
  const res = knownResults();
  const md = mdTables(renderMarkdown(res));
  const html = htmlTables(renderHtml(res));
  assert.deepEqual([...md.keys()], ['Latency at batch 1, accuracy and budget', 'Skipped and failed', 'Throughput (samples/s)', 'Load and memory', 'Per-class accuracy on node-ort-cpu', 'Targets']);
  assert.deepEqual([...html.keys()], [...md.keys()]);
  for (const [title, [head, ...rows]] of md) {
    const [htmlHead, ...htmlRows] = html.get(title)!;
    const cols = head!.map((h) => htmlHead!.indexOf(h));
    assert.ok(cols.every((i) => i >= 0), `${title}: every Markdown column is in the HTML table`);
    assert.deepEqual(rows, htmlRows.map((r) => cols.map((i) => r[i]!)), title);
  }
  const [latencyHead] = html.get('Latency at batch 1, accuracy and budget')!;
  assert.deepEqual(latencyHead!.filter((h) => !md.get('Latency at batch 1, accuracy and budget')![0]!.includes(h)), ['p90 ms', 'p99 ms'], 'HTML adds only p90 and p99');
});

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

test('served devices and time to first prediction: one row each, the same in Markdown and HTML', () => {
  const md = mdTables(renderMarkdown(evilResults()));
  const html = htmlTables(renderHtml(evilResults()));
  assert.deepEqual(html.get('Served devices')!.slice(1), [
    ['device-1', `UA ${EVIL}`, '8', 'not exposed', `WebGPU: gpu ${EVIL}`, 'not secure (plain http)', 'no (stopped part-way)'],
  ]);
  // fmtMs: three significant digits (1234.5 → "1235", 34.5 → "34.5"); fmtBytes: SI kB.
  assert.deepEqual(html.get('Time to first prediction')!.slice(1), [
    ['device-1/chromium-tfjs-wasm', 'student tfjs/fp32', 'slow-4g', '1235', '800', '600', '300', '15.0 kB (20.0 kB)', '100', '34.5'],
  ]);
  // Markdown leaves out the detail column (the runtime's own download).
  assert.deepEqual(md.get('Time to first prediction')![1]!.length, 9);
  assert.ok(md.get('Served devices'));
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
    assert.equal(await page.locator('svg.chart .point').count(), 4, 'one scatter point per measured row (the device row included)');
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
