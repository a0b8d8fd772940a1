/**
 * The declared input dims of an ONNX model (ModelProto.graph.input), decoded with the project's one ONNX schema
 * (src/onnx/schema.ts) on the host: onnxruntime-web's webgl backend cannot report input metadata, yet needs the fixed
 * batch size.
 */
import type protobuf from 'protobufjs';
import { onnxRoot } from '../onnx/schema.js';

type Int64 = number | { toNumber(): number };
/** The decoded fields read here (camelCase; `value` is protobufjs's name of the set member of the dim oneof). */
interface Dim { value?: 'dimValue' | 'dimParam'; dimValue?: Int64; dimParam?: string }
interface Graph { initializer?: { name?: string }[]; input?: { name?: string; type?: { tensorType?: { shape?: { dim?: Dim[] } } } }[] }

let modelType: protobuf.Type | undefined;

/**
 * The dims of graph input `name` (or the first input that is not an initializer): a number for a fixed dim, a string
 * for a symbolic one, undefined when unknown. Undefined altogether when the bytes cannot be read.
 */
export function onnxInputDims(bytes: Uint8Array, name?: string): (number | string | undefined)[] | undefined {
  let graph: Graph | undefined;
  try {
    modelType ??= onnxRoot(false).lookupType('onnx.ModelProto');
    graph = (modelType.decode(bytes) as { graph?: Graph }).graph;
  } catch {
    return undefined;
  }
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name ?? ''));
  const input = (graph?.input ?? []).find((v) => (name !== undefined ? v.name === name : !initializers.has(v.name ?? '')));
  const dims = input?.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  // Unset fields read as protobuf defaults, so the oneof's member name tells a 0 or '' from an unknown dim.
  return dims.map((d) => (d.value === 'dimValue' ? toNumber(d.dimValue!) : d.value === 'dimParam' ? d.dimParam : undefined));
}

const toNumber = (v: Int64) => (typeof v === 'number' ? v : v.toNumber());

/** The fixed batch size an ONNX file declares for its input, if it declares one. */
export function onnxFixedBatch(bytes: Uint8Array, name?: string): number | undefined {
  const d0 = onnxInputDims(bytes, name)?.[0];
  return typeof d0 === 'number' && d0 > 0 ? d0 : undefined;
}

/** `{ fixedBatch }` when the ONNX file declares a fixed batch size for its input (spread into the model options). */
export function fixedBatchOption(bytes: Uint8Array, inputName?: string): { fixedBatch?: number } {
  const b = onnxFixedBatch(bytes, inputName);
  return b !== undefined ? { fixedBatch: b } : {};
}
