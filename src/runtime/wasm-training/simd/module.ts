import { kernelsWat } from './wat.js';

/** The arguments both weight-gradient drivers start with (TAP_DRIVER_PARAMS in wat.ts): byte offsets and strides. */
type TapDriverArgs = [
  x: number,
  dy: number,
  acc: number,
  table: number,
  taps: number,
  batch: number,
  xImg: number,
  dImg: number,
  xRowStep: number,
  xColStep: number,
  dRowStep: number,
  dColStep: number,
];

/** The SIMD kernels, as exported by the module (all arguments are i32: byte offsets, counts, byte strides). */
export interface SimdKernels {
  /** See `conv_filter_grad` in wat.ts. */
  conv_filter_grad(...args: [...TapDriverArgs, ci: number, co4: number, mrMax: number, nrMax: number]): void;
  /** See `max_pool_grad_2x2` in wat.ts. */
  max_pool_grad_2x2(x: number, dy: number, dx: number, batch: number, oh: number, ow: number, rowBytes: number, imgBytes: number, cBytes: number): void;
  /** See `column_sums` in wat.ts. */
  column_sums(x: number, out: number, rows: number, cols: number): void;
  /** See `depthwise_filter_grad` in wat.ts. */
  depthwise_filter_grad(...args: [...TapDriverArgs, c: number]): void;
  /** See `depthwise_input_grad` in wat.ts. */
  depthwise_input_grad(...args: [...TapDriverArgs, c: number]): void;
  /** See `batch_norm_grad_sums` in wat.ts. */
  batch_norm_grad_sums(x: number, dy: number, mean: number, s1: number, s2: number, rows: number, cols: number): void;
  /** See `scale_channels` in wat.ts. */
  scale_channels(x: number, k: number, out: number, rows: number, cols: number): void;
  /** See `adam_update` in wat.ts. */
  adam_update(x: number, g: number, m: number, v: number, xo: number, mo: number, vo: number, n: number, b1: number, c1: number, b2: number, c2: number, eps: number, step: number): void;
  /** See `add_channels` in wat.ts. */
  add_channels(x: number, b: number, out: number, rows: number, cols: number): void;
  /** See `sub_channels` in wat.ts. */
  sub_channels(x: number, b: number, out: number, rows: number, cols: number): void;
  /** See `batch_norm_apply` in wat.ts. */
  batch_norm_apply(x: number, mean: number, k: number, offset: number, out: number, rows: number, cols: number): void;
  /** See `square_grad` in wat.ts. */
  square_grad(x: number, dy: number, out: number, n: number): void;
  /** See `clip_grad` in wat.ts. */
  clip_grad(x: number, dy: number, out: number, n: number, lo: number, hi: number): void;
}

// Compiled once per process; instantiated once per wasm-backend memory (a module instance imports the memory).
let compiled: Promise<WebAssembly.Module> | undefined;
let ready: WebAssembly.Module | undefined;
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();
let enabled = true;

/** Turns the SIMD kernels off (or back on) for this process: for measuring what they buy. */
export function setSimdEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Compiles the SIMD kernels (wabt, loaded only here, assembles wat.ts's text). Must finish before a training
 * kernel can use them; until then, and if it fails, the kernels take their XNNPACK/JS paths.
 */
export function compileSimdKernels(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const wabt = await (await import('wabt')).default();
    const parsed = wabt.parseWat('edge-distill-training-kernels.wat', kernelsWat(), { simd: true });
    try {
      parsed.resolveNames();
      parsed.validate();
      const { buffer } = parsed.toBinary({});
      ready = new WebAssembly.Module(new Uint8Array(buffer));
      return ready;
    } finally {
      parsed.destroy();
    }
  })();
  return compiled;
}

/** The part of the tfjs wasm backend this needs: its emscripten module's exports, which include the memory. */
interface BackendWithMemory {
  wasm?: { asm?: { memory?: WebAssembly.Memory } };
}

/**
 * The SIMD kernels bound to `backend`'s linear memory, or undefined if they are not compiled yet or the backend's
 * memory cannot be reached (a future tfjs that stops exporting it), in which case callers use their fallback.
 */
export function simdKernels(backend: unknown): SimdKernels | undefined {
  if (!ready || !enabled) return undefined;
  const memory = (backend as BackendWithMemory).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  let k = instances.get(memory);
  if (!k) {
    k = new WebAssembly.Instance(ready, { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(memory, k);
  }
  return k;
}

/** Bytes the backend's memory holds now: an over-read guard for kernels that load whole vectors past a row's end. */
export function memoryBytes(backend: unknown): number {
  return (backend as BackendWithMemory).wasm?.asm?.memory?.buffer.byteLength ?? 0;
}
