/**
 * The benchmark page. Its module is assembled from the portable functions (timing loop, session core, model
 * adapters, the runner's runtime loader) as source text, so the page runs exactly the code Node runs.
 */
import { measure, type TimingPlan, type TimingSamples } from '../harness.js';
import { predictModel, timeModel } from '../session-core.js';
import type { DeviceInfo, FirstPrediction, MemoryInfo, PortableModel } from '../types.js';

/** What Node sends the page to open a model. URLs are relative to the page's origin. */
export interface PageOpenConfig {
  backend: string;
  threads: number;
  /** URL prefix of the runtime's .wasm files (e.g. "/vendor/ort/"). */
  wasmPaths: string;
  /** Script (tfjs: classic UMD bundles, in order) or module (onnxruntime-web) URLs the runtime loader loads. */
  scripts: string[];
  modelUrl: string;
  /** Per-sample input dims in the artifact's layout. */
  sampleShape: number[];
  inputName?: string;
  outputName?: string;
  /** ONNX: the batch size the file declares (read by Node; onnxruntime-web's webgl backend cannot tell). */
  fixedBatch?: number;
  /** The test images in the artifact's layout, float32 little-endian. */
  dataUrl: string;
  n: number;
  /** Samples per inference when predicting the split. */
  chunk: number;
}

/** A runtime loaded in the page, as a runner's page loader returns it. */
export interface PageRuntime {
  version: string;
  notes: string[];
  openModel(cfg: PageOpenConfig): Promise<PortableModel>;
}

/** What `bench.open` returns to Node. */
export interface PageOpenResult {
  runtimeVersion: string;
  runtimeInitMs: number;
  coldLoadMs: number;
  /** What a user waits for before the first prediction, and its parts (from the page's clock and Resource Timing). */
  firstPrediction: FirstPrediction;
  fixedBatch: number | null;
  device: DeviceInfo;
  notes: string[];
}

/** The page's `window.bench` API that Node drives through page.evaluate. */
export interface PageBench {
  /** Fetches the test images (before any network throttling: they are the bench's, not the app's). */
  loadData(cfg: PageOpenConfig): Promise<void>;
  /** Loads the runtime and the model and runs the first inference (call after loadData). */
  open(cfg: PageOpenConfig): Promise<PageOpenResult>;
  time(batch: number, plan: TimingPlan): Promise<TimingSamples>;
  predict(n: number): Promise<number[]>;
  memory(): MemoryInfo | null;
  dispose(): Promise<void>;
}

/** Loads a classic script (UMD bundles such as tf.es2017.min.js) and resolves when it has run. Runs in the page. */
export function loadScript(url: string): Promise<void> {
  return new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = url;
    s.onload = () => ok();
    s.onerror = () => fail(new Error(`could not load script ${url}`));
    document.head.appendChild(s);
  });
}

/** Describes what the backend runs on; GPU backends on SwiftShader are flagged software-emulated. Runs in the page. */
export async function describeDevice(backend: string): Promise<DeviceInfo> {
  const soft = (s: string) => /swiftshader|llvmpipe|softpipe|software/i.test(s);
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (!gl) return { description: 'no WebGL context', softwareEmulated: false };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return { description: `WebGL: ${renderer}`, softwareEmulated: soft(renderer) };
  }
  if (backend === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: Record<string, unknown> } | null> } }).gpu;
    const adapter = await gpu?.requestAdapter();
    if (!adapter) return { description: 'no WebGPU adapter', softwareEmulated: false };
    const info = (adapter.info ?? {}) as unknown as Record<string, unknown>;
    const text = ['vendor', 'architecture', 'device', 'description'].map((k) => String(info[k] ?? '')).filter(Boolean).join(' ');
    return { description: `WebGPU: ${text || 'unknown adapter'}${info.isFallbackAdapter ? ' (fallback adapter)' : ''}`, softwareEmulated: soft(text) || info.isFallbackAdapter === true };
  }
  return {
    description: `${navigator.hardwareConcurrency} logical cores, ${crossOriginIsolated ? '' : 'not '}cross-origin isolated`,
    softwareEmulated: false,
  };
}

/**
 * Splits the time to first prediction into its parts. `t` holds the page-clock marks: before the runtime loads, after
 * it started, after the model opened (its files fetched and built), after the first inference. Downloads come from
 * Resource Timing: the span from the first request's start to the last response's end among the files fetched in
 * that phase (model files: those under the model URL's folder), and the bytes on the wire (`transferSize`, headers
 * included; compressed when the server compressed) and the body bytes after decoding. Runs in the page.
 */
export function firstPredictionOf(t: [number, number, number, number], modelUrl: string): FirstPrediction {
  const modelDir = new URL(modelUrl, location.href).href.replace(/[^/]*$/, '');
  const entries = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.startTime >= t[0] - 1);
  const span = (es: PerformanceResourceTiming[]) => (es.length ? Math.max(...es.map((e) => e.responseEnd)) - Math.min(...es.map((e) => e.startTime)) : 0);
  const sum = (es: PerformanceResourceTiming[], k: 'transferSize' | 'encodedBodySize' | 'decodedBodySize') => es.reduce((a, e) => a + (e[k] ?? 0), 0);
  const model = entries.filter((e) => e.name.startsWith(modelDir) && e.startTime >= t[1] - 1 && e.startTime <= t[2]);
  const runtime = entries.filter((e) => !e.name.startsWith(modelDir) && e.startTime <= t[1]);
  const modelDownloadMs = span(model);
  return {
    totalMs: t[3] - t[0],
    runtimeMs: t[1] - t[0],
    runtimeDownloadMs: span(runtime),
    runtimeTransferBytes: sum(runtime, 'transferSize'),
    modelDownloadMs,
    modelFiles: model.length,
    modelTransferBytes: sum(model, 'transferSize'),
    modelEncodedBytes: sum(model, 'encodedBodySize'),
    modelBodyBytes: sum(model, 'decodedBodySize'),
    modelLoadMs: Math.max(0, t[2] - t[1] - modelDownloadMs),
    firstInferenceMs: t[3] - t[2],
  };
}

/** The page's bench API over a runtime loader. Runs in the page; the other functions arrive as parameters. */
export function createPageBench(
  loadRuntime: (cfg: PageOpenConfig) => Promise<PageRuntime>,
  core: { measure: typeof measure; timeModel: typeof timeModel; predictModel: typeof predictModel; describeDevice: typeof describeDevice; firstPredictionOf: typeof firstPredictionOf },
): PageBench {
  let model: PortableModel | undefined;
  let x = new Float32Array(0);
  let per = 0;
  let n = 0;
  let chunk = 64;
  const now = () => performance.now();
  const opened = () => {
    if (!model) throw new Error('bench.open has not succeeded');
    return model;
  };
  return {
    async loadData(cfg) {
      const res = await fetch(cfg.dataUrl);
      if (!res.ok) throw new Error(`test data ${cfg.dataUrl}: HTTP ${res.status}`);
      x = new Float32Array(await res.arrayBuffer());
      per = cfg.sampleShape.reduce((a, b) => a * b, 1);
      n = cfg.n;
      chunk = cfg.chunk;
      if (x.length !== n * per) throw new Error(`test data holds ${x.length} values; expected ${n}·${per}`);
    },
    async open(cfg) {
      if (x.length === 0) throw new Error('bench.loadData has not run');
      const t0 = now();
      const rt = await loadRuntime(cfg);
      const t1 = now();
      // Cold load: fetch the model files, build/compile the model, run the first inference.
      const m = await rt.openModel(cfg);
      const t2 = now();
      const b = m.fixedBatch ?? 1;
      const first = new Float32Array(b * per);
      first.set(x.subarray(0, Math.min(b, n) * per));
      const input = m.makeInput(first, b);
      await m.run(input);
      const t3 = now();
      m.disposeInput(input);
      model = m;
      return {
        runtimeVersion: rt.version,
        runtimeInitMs: t1 - t0,
        coldLoadMs: t3 - t1,
        firstPrediction: core.firstPredictionOf([t0, t1, t2, t3], cfg.modelUrl),
        fixedBatch: m.fixedBatch ?? null,
        device: await core.describeDevice(cfg.backend),
        notes: rt.notes,
      };
    },
    time: (batch, plan) => core.timeModel(opened(), x, per, n, batch, plan, now, core.measure),
    predict: async (count) => Array.from(await core.predictModel(opened(), x, per, Math.min(count, n), chunk)),
    memory: () => opened().memory() ?? null,
    async dispose() {
      await model?.dispose();
      model = undefined;
    },
  };
}

/** A page-side runtime loader and the portable functions it calls, by name. */
export interface PageProgram {
  /** The runner's loader: (cfg) => Promise<PageRuntime>. */
  loader: (cfg: PageOpenConfig) => Promise<PageRuntime>;
  /** Portable functions the loader refers to by name (e.g. openOrtModel). */
  helpers: ((...args: never[]) => unknown)[];
  /** Constants the loader refers to by name. */
  constants?: Record<string, string>;
}

/**
 * The page's module source. esbuild (tsx) wraps named inner functions in `__name(fn, "name")` when it keeps names,
 * hence the no-op definition; compiled output from tsc does not need it.
 */
export function pageModuleSource(program: PageProgram): string {
  const fns = [measure, timeModel, predictModel, loadScript, describeDevice, firstPredictionOf, createPageBench, program.loader, ...program.helpers];
  return [
    '// edge-distill benchmark page (generated from src/bench; see src/bench/browser/page.ts)',
    'const __name = (fn) => fn;',
    ...Object.entries(program.constants ?? {}).map(([k, v]) => `const ${k} = ${JSON.stringify(v)};`),
    ...fns.map((f) => f.toString()),
    `window.bench = createPageBench(${program.loader.name}, { measure, timeModel, predictModel, describeDevice, firstPredictionOf });`,
    'window.benchReady = true;',
  ].join('\n\n');
}

/**
 * An expression that calls a portable function with a JSON argument in the page. Passing the function to
 * page.evaluate directly would fail under tsx, whose `__name` wrappers do not exist in the page.
 */
export function portableCall(fn: (arg: never) => unknown, arg: unknown): string {
  return `(() => { const __name = (fn) => fn; return (${fn.toString()})(${JSON.stringify(arg)}); })()`;
}

/** The page's HTML: nothing but the module. */
export function pageHtml(moduleUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>edge-distill bench</title><link rel="icon" href="data:,"></head><body><script type="module" src="${moduleUrl}"></script></body></html>`;
}
