import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as ortType from 'onnxruntime-node';
import { UserError } from '../../core/errors.js';
import type { NodeInfo, TeacherModel, TensorInfo } from '../model.js';
import { appendGraphOutputs, decodeModel, ONNX_DTYPES, toNumber, valueShape, type OnnxModel } from './proto.js';

type Ort = typeof ortType;

/** Ops whose outputs are never features. */
const NOT_FEATURE: Record<string, string> = {
  Constant: 'a constant',
  ConstantOfShape: 'a constant',
  Shape: 'integer shape arithmetic',
  Size: 'integer shape arithmetic',
};

/**
 * An ONNX model run by onnxruntime-node as a {@link TeacherModel}. Taps are tensor names; they are exposed by
 * appending them to the graph's outputs (see appendGraphOutputs), one session per set of taps, so tensors nobody
 * taps can still be fused by onnxruntime's optimiser.
 */
export class OnnxModelFile implements TeacherModel {
  readonly kind = 'onnx';
  readonly layout = undefined;
  readonly summary: string;
  readonly input: TensorInfo;
  readonly outputs: TensorInfo[];
  private readonly sessions = new Map<string, Promise<ortType.InferenceSession>>();
  private readonly producers = new Map<string, string>();
  private readonly initializers: Set<string>;
  /** Element types onnxruntime inferred for every tensor (from a session exposing them all), when computed. */
  private types: Map<string, string> | undefined;

  constructor(readonly path: string, readonly files: string[], private readonly bytes: Uint8Array, private readonly proto: OnnxModel, private readonly ort: Ort) {
    const g = proto.graph!;
    this.initializers = new Set((g.initializer ?? []).map((t) => t.name));
    for (const n of g.node ?? []) for (const o of n.output ?? []) this.producers.set(o, n.opType);
    const inputs = (g.input ?? []).filter((i) => !this.initializers.has(i.name));
    if (inputs.length !== 1) {
      throw new UserError(`${path}: the ONNX model takes ${inputs.length} inputs [${inputs.map((i) => i.name).join(', ')}]; a teacher takes one image batch`);
    }
    const elem = (v: { type?: { tensorType?: { elemType?: number } } }) => ONNX_DTYPES[v.type?.tensorType?.elemType ?? 0] ?? 'unknown';
    this.input = { name: inputs[0]!.name, shape: valueShape(inputs[0]), dtype: elem(inputs[0]!) };
    this.outputs = (g.output ?? []).map((o) => ({ name: o.name, shape: valueShape(o), dtype: elem(o) }));
    const opset = (proto.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
    this.summary = `ONNX IR ${toNumber(proto.irVersion)}, opset ${toNumber(opset?.version)}, ${(g.node ?? []).length} nodes${proto.producerName ? `, exported by ${proto.producerName} ${proto.producerVersion ?? ''}`.trimEnd() : ''}`;
    if (this.input.dtype !== 'float32') throw new UserError(`${path}: the ONNX input ${this.input.name} is ${this.input.dtype}; a teacher takes a float32 image batch`);
  }

  private session(extra: readonly string[]): Promise<ortType.InferenceSession> {
    const key = [...extra].sort().join('\0');
    let s = this.sessions.get(key);
    if (!s) {
      const bytes = appendGraphOutputs(this.bytes, extra.map((name) => ({ name })));
      s = this.ort.InferenceSession.create(bytes).catch((e: Error) => {
        throw new UserError(`${this.path}: onnxruntime cannot load the model (${e.message.split('\n')[0]}); the file may be truncated or use ops this onnxruntime does not have`);
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Opens the plain model once (so a broken file fails at load) and learns every tensor's element type. */
  async init(): Promise<void> {
    await this.session([]);
    const all = [...this.producers.keys()].filter((n) => !this.outputs.some((o) => o.name === n));
    const s = await this.session(all);
    this.types = new Map(s.outputMetadata.map((m) => [m.name, m.isTensor ? String(m.type) : 'non-tensor']));
    this.sessions.delete([...all].sort().join('\0')); // keep only the sessions training uses
  }

  nodes(): NodeInfo[] {
    const outs = new Set(this.outputs.map((o) => o.name));
    const list: NodeInfo[] = [];
    for (const n of this.proto.graph!.node ?? []) {
      for (const name of n.output ?? []) {
        if (!name || outs.has(name)) continue;
        const type = this.types?.get(name);
        const reason = NOT_FEATURE[n.opType] ?? (type && type !== 'float32' ? `${type} values, not float32 features` : undefined);
        list.push({ name, op: n.opType, tapable: reason === undefined, ...(reason ? { reason } : {}) });
      }
    }
    return list;
  }

  producer(name: string): string | undefined {
    return this.producers.get(name);
  }

  async run(x: tf.Tensor, fetch: readonly string[]): Promise<tf.Tensor[]> {
    const extra = fetch.filter((f) => !this.outputs.some((o) => o.name === f));
    const session = await this.session([...new Set(extra)]);
    const data = (await x.data()) as Float32Array;
    const feed = new this.ort.Tensor('float32', data, x.shape);
    const result = await session.run({ [this.input.name]: feed }, [...new Set(fetch)]);
    return fetch.map((f) => {
      const t = result[f]!;
      if (t.type !== 'float32') throw new UserError(`${this.path}: tensor ${f} is ${t.type}; taps and outputs must be float32`);
      return tf.tensor(t.data as Float32Array, t.dims as number[], 'float32');
    });
  }

  dispose(): void {
    for (const s of this.sessions.values()) void s.then((x) => x.release()).catch(() => undefined);
    this.sessions.clear();
  }
}

/** Decodes a file as an ONNX model, with one-line errors for bytes that are not ONNX or are cut short. */
export function parseOnnx(path: string, bytes: Uint8Array): OnnxModel {
  let m: OnnxModel;
  try {
    m = decodeModel(bytes);
  } catch (e) {
    throw new UserError(`${path}: not an ONNX model, or truncated (protobuf decoding failed: ${(e as Error).message}); export the teacher again (torch.onnx.export, tf2onnx)`);
  }
  const g = m.graph;
  if (!g || !(g.node ?? []).length || !(g.output ?? []).length || !(m.opsetImport ?? []).length || toNumber(m.irVersion) <= 0) {
    const missing = [!g && 'graph', g && !(g.node ?? []).length && 'nodes', g && !(g.output ?? []).length && 'outputs', !(m.opsetImport ?? []).length && 'opset_import', toNumber(m.irVersion) <= 0 && 'ir_version'].filter(Boolean).join(', ');
    throw new UserError(`${path}: not an ONNX model, or truncated (no ${missing}); export the teacher again (torch.onnx.export, tf2onnx)`);
  }
  return m;
}

/** Opens an ONNX teacher file (onnxruntime-node is loaded only here). External-data files are listed for hashing. */
export async function openOnnxModel(path: string): Promise<OnnxModelFile> {
  const bytes = new Uint8Array(await readFile(path));
  const proto = parseOnnx(path, bytes);
  const external = [...new Set((proto.graph?.initializer ?? []).filter((t) => t.dataLocation === 1).map((t) => t.externalData?.find((e) => e.key === 'location')?.value ?? ''))].filter(Boolean);
  if (external.length > 0) {
    // onnxruntime resolves external data relative to a model path, but the tap-exposing copy lives in memory.
    throw new UserError(`${path}: the model keeps its weights in external data files (${external.join(', ')}); re-save it with the weights inside (onnx.save(model, path, save_as_external_data=False)) to use it as a teacher`);
  }
  const ort = (await import('onnxruntime-node')) as unknown as Ort;
  const m = new OnnxModelFile(path, [path, ...external.map((f) => join(dirname(path), f))], bytes, proto, (ort as unknown as { default?: Ort }).default ?? ort);
  try {
    await m.init();
  } catch (e) {
    m.dispose();
    throw e;
  }
  return m;
}
