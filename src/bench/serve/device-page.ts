/**
 * The page a served device opens. It reads the bundle's job list, and for each job loads the runner's benchmark page
 * (the very module the Chromium targets run) in a fresh iframe, drives it as Node drives a Chromium page (loadData,
 * open, time, predict, memory) and posts the outcome to the server. A backend the device lacks is posted as skipped,
 * with the reason. The functions here run in the device's browser: they are sent as source text and may refer only
 * to each other and to the browser's globals.
 */
import type { TimingPlan, TimingSamples } from '../harness.js';
import type { PageBench, PageOpenConfig, PageOpenResult } from '../browser/page.js';
import type { MemoryInfo } from '../types.js';

/** What a device says about itself (whatever its browser exposes; the rest is left out). */
export interface DeviceFacts {
  userAgent: string;
  platform?: string;
  hardwareConcurrency?: number;
  /** navigator.deviceMemory (Chromium only; rounded, capped at 8 by the browser). */
  deviceMemoryGb?: number;
  /** WebGPU adapter info (vendor, architecture, device, description). */
  webgpuAdapter?: string;
  /** WebGL's unmasked renderer string. */
  webglRenderer?: string;
  secureContext: boolean;
  crossOriginIsolated: boolean;
  screen?: string;
}

/** A job as jobs.json gives it to the page. */
export interface PageJob {
  id: string;
  target: string;
  label: string;
  backend: string;
  /** Absolute path of the runner's benchmark page. */
  page: string;
  open: PageOpenConfig;
  plan: TimingPlan;
  throughputPlan: TimingPlan;
  batchSizes: number[];
}

/** bench.json: everything the page needs. */
export interface DeviceBundle {
  runId: string;
  resultsUrl: string;
  jobs: PageJob[];
}

/** What a job's run measured in the page. */
export interface JobResult {
  opened: PageOpenResult;
  latency?: TimingSamples;
  throughput: { batch: number; samples?: TimingSamples; error?: string }[];
  predictions: number[];
  memory: MemoryInfo | null;
}

/** Reads what the browser exposes about the device. Runs in the page. */
export async function deviceFacts(): Promise<DeviceFacts> {
  const nav = navigator as Navigator & {
    deviceMemory?: number;
    userAgentData?: { platform?: string };
    gpu?: { requestAdapter(): Promise<{ info?: Record<string, unknown> } | null> };
  };
  const facts: DeviceFacts = { userAgent: nav.userAgent, secureContext: isSecureContext, crossOriginIsolated };
  const platform = nav.userAgentData?.platform || nav.platform;
  if (platform) facts.platform = platform;
  if (nav.hardwareConcurrency) facts.hardwareConcurrency = nav.hardwareConcurrency;
  if (typeof nav.deviceMemory === 'number') facts.deviceMemoryGb = nav.deviceMemory;
  facts.screen = `${screen.width}x${screen.height}@${devicePixelRatio}`;
  try {
    const adapter = await nav.gpu?.requestAdapter();
    const info = (adapter?.info ?? {}) as Record<string, unknown>;
    const text = ['vendor', 'architecture', 'device', 'description'].map((k) => String(info[k] ?? '')).filter(Boolean).join(' ');
    if (adapter) facts.webgpuAdapter = (text || 'unknown adapter') + (info.isFallbackAdapter ? ' (fallback adapter)' : '');
  } catch {
    // No WebGPU: the facts say nothing about it.
  }
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (gl) {
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      facts.webglRenderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    }
  } catch {
    // No WebGL.
  }
  return facts;
}

/** Why this device cannot run `backend`, or undefined when it can. Runs in the page. */
export function unsupportedReason(backend: string, facts: DeviceFacts): string | undefined {
  if (backend === 'webgpu') {
    if (!facts.secureContext) return 'WebGPU needs a secure context (https, or http://localhost / 127.0.0.1, e.g. through adb reverse); this page was opened over plain http';
    if (!('gpu' in navigator)) return 'this browser has no WebGPU (navigator.gpu is missing)';
    if (!facts.webgpuAdapter) return 'this browser found no WebGPU adapter';
  }
  if (backend === 'webgl' && !facts.webglRenderer) return 'this browser could not create a WebGL context';
  if (backend === 'wasm' && typeof WebAssembly === 'undefined') return 'this browser has no WebAssembly';
  return undefined;
}

/** Runs one job in a fresh iframe and returns what it measured. Runs in the page. */
export async function runJob(job: PageJob, timeoutMs: number): Promise<JobResult> {
  const frame = document.createElement('iframe');
  frame.style.display = 'none';
  frame.src = job.page;
  document.body.appendChild(frame);
  try {
    const win = () => frame.contentWindow as (Window & { bench?: PageBench; benchReady?: boolean }) | null;
    const start = performance.now();
    while (!win()?.benchReady) {
      if (performance.now() - start > timeoutMs) throw new Error(`the ${job.label} page did not start within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
    const bench = win()!.bench!;
    await bench.loadData(job.open);
    const opened = await bench.open(job.open);
    const fixed = opened.fixedBatch;
    let latency: TimingSamples | undefined;
    if (fixed === null || fixed === 1) latency = await bench.time(1, job.plan);
    const throughput: JobResult['throughput'] = [];
    for (const batch of job.batchSizes) {
      if (fixed !== null && batch !== fixed) continue;
      try {
        throughput.push({ batch, samples: batch === 1 && latency ? latency : await bench.time(batch, job.throughputPlan) });
      } catch (e) {
        throughput.push({ batch, error: String((e as Error).message ?? e).split('\n')[0]! });
      }
    }
    const predictions = await bench.predict(job.open.n);
    const memory = bench.memory();
    await bench.dispose();
    return { opened, ...(latency ? { latency } : {}), throughput, predictions, memory };
  } finally {
    frame.remove();
  }
}

/** The device page's main: every job in turn, each outcome posted as soon as it is known, then "done". Runs in the page. */
export async function runDevice(bundleUrl: string): Promise<void> {
  const status = document.getElementById('status')!;
  const table = document.getElementById('jobs')!;
  const bundle = (await (await fetch(bundleUrl)).json()) as DeviceBundle;
  const facts = await deviceFacts();
  const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
  const post = async (body: Record<string, unknown>) => {
    const res = await fetch(bundle.resultsUrl, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ runId: bundle.runId, deviceId: id, device: facts, ...body }) });
    if (!res.ok) throw new Error(`the server refused the results: HTTP ${res.status} ${await res.text()}`);
  };
  const show = (job: PageJob, text: string) => {
    let row = document.getElementById(`job-${job.id}`);
    if (!row) {
      row = document.createElement('tr');
      row.id = `job-${job.id}`;
      row.innerHTML = '<td></td><td></td><td></td>';
      table.appendChild(row);
    }
    row.children[0]!.textContent = job.target;
    row.children[1]!.textContent = job.label;
    row.children[2]!.textContent = text;
  };
  document.getElementById('device')!.textContent = `${facts.userAgent} · ${facts.hardwareConcurrency ?? '?'} cores${facts.deviceMemoryGb ? ` · ${facts.deviceMemoryGb} GB` : ''}${facts.webgpuAdapter ? ` · WebGPU ${facts.webgpuAdapter}` : ''}`;
  for (const job of bundle.jobs) show(job, 'waiting');
  for (const job of bundle.jobs) {
    const reason = unsupportedReason(job.backend, facts);
    if (reason) {
      show(job, `unsupported: ${reason}`);
      await post({ kind: 'job', jobId: job.id, status: 'skipped', reason });
      continue;
    }
    show(job, 'running…');
    try {
      const result = await runJob(job, 120_000);
      const p50 = result.latency ? [...result.latency.samplesMs].sort((a, b) => a - b)[Math.floor(result.latency.samplesMs.length / 2)] : undefined;
      show(job, `done: first prediction ${result.opened.firstPrediction.totalMs.toFixed(0)} ms${p50 !== undefined ? `, p50 ≈ ${p50.toFixed(2)} ms` : ''}`);
      await post({ kind: 'job', jobId: job.id, status: 'ok', result });
    } catch (e) {
      const msg = String((e as Error).message ?? e).split('\n')[0]!.slice(0, 500);
      show(job, `error: ${msg}`);
      await post({ kind: 'job', jobId: job.id, status: 'error', reason: msg }).catch(() => undefined);
    }
  }
  await post({ kind: 'done' });
  status.textContent = 'Finished: the results are on the computer that serves this page. You can close it.';
  (window as unknown as { deviceDone: boolean }).deviceDone = true;
}

/** The device page's module: the functions above as source, then `runDevice`. */
export function deviceModuleSource(bundleUrl: string): string {
  const fns = [deviceFacts, unsupportedReason, runJob, runDevice];
  return [
    '// edge-distill device bench page (generated from src/bench/serve/device-page.ts)',
    'const __name = (fn) => fn;',
    ...fns.map((f) => f.toString()),
    `runDevice(${JSON.stringify(bundleUrl)}).catch((e) => { document.getElementById('status').textContent = 'Failed: ' + e.message; window.deviceError = e.message; });`,
  ].join('\n\n');
}

/** The device page's HTML. */
export function deviceHtml(moduleUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>edge-distill device bench</title><link rel="icon" href="data:,">
<style>body{font:15px/1.4 system-ui,sans-serif;margin:1rem;color:#222}table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.3rem .4rem;vertical-align:top}#device{color:#555;font-size:13px}</style></head>
<body><h1 style="font-size:1.2rem">edge-distill: benchmark on this device</h1><p id="device"></p><p id="status">Running: keep this page open and in front until it says finished.</p><table id="jobs"></table>
<script type="module" src="${moduleUrl}"></script></body></html>`;
}
