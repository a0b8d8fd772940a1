/**
 * Runs an ONNX file in onnxruntime-node (native CPU) or onnxruntime-web (its wasm backend, in Node, single-threaded),
 * both imported lazily so nothing loads them until a file is actually run.
 */
import { UserError } from '../../core/errors.js';

/** The runtimes an ONNX artifact is checked in. */
export const ORT_RUNTIMES = ['onnxruntime-node', 'onnxruntime-web-wasm'] as const;
/** An onnxruntime flavour parity runs in. */
export type OrtRuntime = (typeof ORT_RUNTIMES)[number];

/** An open inference session: feeds one float32 input, returns the requested float32 outputs by name. */
export interface OrtSession {
  inputName: string;
  outputNames: string[];
  run(x: Float32Array, dims: number[]): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

type OrtModule = typeof import('onnxruntime-node') | typeof import('onnxruntime-web');

async function ortModule(runtime: OrtRuntime): Promise<OrtModule> {
  if (runtime === 'onnxruntime-node') return import('onnxruntime-node');
  const ort = await import('onnxruntime-web');
  // tfjs and ort-web both turn wasm threads off under Node; being explicit avoids a worker-spawn attempt.
  ort.env.wasm.numThreads = 1;
  return ort;
}

/** Opens `bytes` (a .onnx file) in `runtime`. A file the runtime rejects is a {@link UserError} naming the runtime. */
export async function openOrtSession(runtime: OrtRuntime, bytes: Uint8Array): Promise<OrtSession> {
  const ort = await ortModule(runtime);
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, runtime === 'onnxruntime-web-wasm' ? { executionProviders: ['wasm'] } : {});
  } catch (e) {
    throw new UserError(`${runtime} could not load the ONNX file: ${(e as Error).message.split('\n')[0]}`);
  }
  const inputName = session.inputNames[0]!;
  return {
    inputName,
    outputNames: [...session.outputNames],
    async run(x, dims) {
      const feeds = { [inputName]: new ort.Tensor('float32', x, dims) };
      const res = await session.run(feeds as never);
      const out: Record<string, Float32Array> = {};
      for (const [k, t] of Object.entries(res)) {
        out[k] = (t as { data: Float32Array }).data;
        (t as { dispose?: () => void }).dispose?.();
      }
      return out;
    },
    release: () => session.release(),
  };
}
