/**
 * The bench stage's interfaces, apart from their implementations: runners (one per runtime and host), the sessions
 * they open, and the portable model adapters shared by Node and the page.
 */
import type { Named } from '../core/registry.js';
import type { Artifact } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import type { Backend, Host, Runtime, Target } from '../config/target.js';
import type { TimingPlan, TimingSamples } from './harness.js';

/** The test split as flat arrays. Browser sessions receive it over the local HTTP server. */
export interface TestData {
  /** Images NHWC float32, n·h·w·c values in the dataset's normalisation. */
  x: Float32Array;
  /** Class id of each image. */
  y: Int32Array;
  n: number;
  /** [h, w, c] */
  shape: [number, number, number];
  classNames: string[];
}

export type ModelRole = 'student' | 'teacher';

/** A model file set to open: the artifact plus the absolute folder holding its files. */
export interface ModelRef {
  role: ModelRole;
  artifact: Artifact;
  /** Absolute folder of the artifact's files (its `dir` resolved against the export folder). */
  dir: string;
}

/** What the benchmark ran on, as far as the runtime can tell. */
export interface DeviceInfo {
  /** e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device ...))" or "2 cores, cross-origin isolated". */
  description: string;
  /** True for GPU backends running on a CPU emulation (SwiftShader): their numbers say nothing about real GPUs. */
  softwareEmulated: boolean;
}

export type ProbeResult = { ok: true; device?: DeviceInfo } | { ok: false; reason: string };

/**
 * Time to first prediction in a browser: everything a user waits for from the moment the page starts loading the
 * runtime until the first prediction is readable. `totalMs` = `runtimeMs` + `modelDownloadMs` + `modelLoadMs` +
 * `firstInferenceMs` (the model's download and build overlap little: the runtimes fetch every file, then build).
 */
export interface FirstPrediction {
  totalMs: number;
  /** Loading the runtime's scripts and wasm and starting the backend (their downloads included). */
  runtimeMs: number;
  /** Of which downloading the runtime's files (first request start to last response end). */
  runtimeDownloadMs: number;
  runtimeTransferBytes: number;
  /** Downloading the model's files (first request start to last response end). */
  modelDownloadMs: number;
  modelFiles: number;
  /** Bytes on the wire, headers included (Resource Timing transferSize). */
  modelTransferBytes: number;
  /** Body bytes as sent (compressed when the server compressed). */
  modelEncodedBytes: number;
  /** Body bytes after decoding. */
  modelBodyBytes: number;
  /** Building/compiling the model, apart from its download. */
  modelLoadMs: number;
  firstInferenceMs: number;
  /** The network profile the page ran under (a throttled Chromium target), if any. */
  network?: string;
}

/** Facts a session learnt while opening its model. */
export interface SessionInfo {
  /** Runtime version, e.g. "tfjs 4.22.0" or "onnxruntime-web 1.30.0". */
  runtimeVersion: string;
  /** Starting the runtime and backend (loading the library, compiling its wasm) before this model, ms. */
  runtimeInitMs: number;
  /** Cold load: read (or fetch) the files + build/compile the model + first inference at batch 1, ms. */
  coldLoadMs: number;
  /** The batch size the model requires when its batch dimension is fixed (some ONNX exports). */
  fixedBatch?: number;
  /** Browser sessions: time to first prediction and its parts. */
  firstPrediction?: FirstPrediction;
  device?: DeviceInfo;
  /** Caveats worth a footnote (e.g. "tfjs runs wasm single-threaded under Node: threads ignored"). */
  notes: string[];
}

/** Memory held by the model, where the runtime can tell (tfjs can; onnxruntime cannot). */
export interface MemoryInfo {
  /** Bytes of tensors the runtime holds for this model (weights and any cached buffers). */
  bytes?: number;
  /** Of which on the GPU (webgl/webgpu textures and buffers). */
  gpuBytes?: number;
  tensors?: number;
  /** Where the number comes from. */
  source: string;
}

/** An opened model on one target. Timing and prediction run where the model lives (this process or the page). */
export interface Session {
  readonly info: SessionInfo;
  /** Times inference on a batch of `batch` test images (cycled if the split is smaller). */
  time(batch: number, plan: TimingPlan): Promise<TimingSamples>;
  /** Top-1 class of each of the first `n` test images, computed by this runtime. */
  predict(n: number): Promise<Int32Array>;
  memory(): Promise<MemoryInfo | undefined>;
  dispose(): Promise<void>;
}

/** Shared, lazily created resources of one bench run (the HTTP server, a browser), closed once at the end. */
export interface Resources {
  /** The value under `key`, created by `create` on first use; `close` runs at {@link Resources.closeAll}. */
  get<T>(key: string, create: () => Promise<T>, close: (value: T) => Promise<void>): Promise<T>;
  closeAll(): Promise<void>;
}

/** What every runner gets besides the target and the model. */
export interface RunnerContext {
  data: TestData;
  log: Logger;
  resources: Resources;
}

/** Runs models on one runtime and host, for the backends it lists. One file per runner in ./runners. */
export interface Runner extends Named {
  name: string;
  host: Host;
  runtime: Runtime;
  backends: readonly Backend[];
  /** Whether this machine can run `target` (package installed, browser present, GPU adapter found) and on what. */
  probe(target: Target, ctx: RunnerContext): Promise<ProbeResult>;
  open(model: ModelRef, target: Target, ctx: RunnerContext): Promise<Session>;
}

/**
 * A loaded model behind a runtime-neutral surface. Implementations (./runners/tfjs-model.ts, ./runners/ort-model.ts)
 * are portable: the same function runs in Node and, serialised, in the page.
 */
export interface PortableModel<I = unknown> {
  /** Batch size the model requires, when fixed. */
  fixedBatch?: number;
  /** Prepares an input of `batch` samples from flat values (in the artifact's layout) outside the timed region. */
  makeInput(x: Float32Array, batch: number): I;
  /** One inference; resolves to the logits (batch × classes) once they are readable on the CPU. */
  run(input: I): Promise<Float32Array>;
  disposeInput(input: I): void;
  memory(): MemoryInfo | undefined;
  dispose(): void | Promise<void>;
}
