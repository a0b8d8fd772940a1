/**
 * An onnxruntime session behind {@link PortableModel}. Portable: the same function serves onnxruntime-node,
 * onnxruntime-web under Node and onnxruntime-web in the page (serialised), so it uses only its parameters.
 */
import type * as ortType from 'onnxruntime-web';
import type { PortableModel } from '../types.js';

/** The parts of an onnxruntime module this uses (onnxruntime-node and onnxruntime-web both fit). */
export type OrtModule = Pick<typeof ortType, 'InferenceSession' | 'Tensor'>;

export interface OrtModelOptions {
  executionProvider: string;
  threads: number;
  /** Per-sample input dims in the artifact's layout ([h, w, c] for nhwc, [c, h, w] for nchw). */
  sampleShape: number[];
  inputName?: string;
  outputName?: string;
  /** The batch size the file declares, read by the host from the bytes (see ../onnx-shape.ts). */
  fixedBatch?: number;
}

/** Creates the inference session from the file's bytes and checks the input and output names. */
export async function openOrtModel(ort: OrtModule, bytes: Uint8Array, o: OrtModelOptions): Promise<PortableModel<ortType.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [o.executionProvider],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const inputName = o.inputName ?? session.inputNames[0];
  const outputName = o.outputName ?? session.outputNames[0];
  if (!inputName || !session.inputNames.includes(inputName)) {
    throw new Error(`the ONNX model has no input "${String(inputName)}" (inputs: ${session.inputNames.join(', ')})`);
  }
  if (!outputName || !session.outputNames.includes(outputName)) {
    throw new Error(`the ONNX model has no output "${String(outputName)}" (outputs: ${session.outputNames.join(', ')})`);
  }
  // A numeric first dimension means the export fixed the batch size (onnxruntime-web's webgl backend needs that).
  let dim0: number | string | undefined;
  try {
    const meta = (session as { inputMetadata?: readonly { name: string; isTensor: boolean; shape?: readonly (number | string)[] }[] }).inputMetadata;
    dim0 = meta?.find((m) => m.name === inputName)?.shape?.[0];
  } catch {
    // onnxruntime-web's webgl backend cannot report metadata; the batch size is then unknown (the model decides).
  }
  const fixedBatch = o.fixedBatch ?? (typeof dim0 === 'number' && dim0 > 0 ? dim0 : undefined);
  return {
    ...(fixedBatch !== undefined ? { fixedBatch } : {}),
    makeInput: (x, batch) => new ort.Tensor('float32', x, [batch, ...o.sampleShape]),
    async run(input) {
      const out = await session.run({ [inputName]: input }, [outputName]);
      const t = out[outputName]!;
      if (t.type !== 'float32') throw new Error(`output "${outputName}" is ${t.type}; float32 logits are expected`);
      return t.data as Float32Array;
    },
    disposeInput: (input) => input.dispose(),
    // onnxruntime has no API that reports a session's memory.
    memory: () => undefined,
    dispose: () => session.release(),
  };
}

/** A one-node ONNX model (Identity on a float[1], IR 8, opset 13), made with onnx.helper and checked by onnx.checker. */
export const IDENTITY_ONNX_BASE64 = 'CAg6NwoQCgF4EgF5IghJZGVudGl0eRIBd1oPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEA0=';

/**
 * Starts onnxruntime's execution provider by creating and running a one-node session. onnxruntime-web compiles its
 * wasm (and a webgpu EP acquires its device) at the first session, so without this the first model opened would pay
 * for the runtime in its "cold load" and the next would not. Portable.
 */
export async function warmUpOrt(ort: OrtModule, executionProvider: string, threads: number, base64: string): Promise<void> {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [executionProvider], intraOpNumThreads: threads });
  await session.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
  await session.release();
}
