/**
 * Reading ONNX files (IR ≤ 10) with the project's one ONNX schema (src/onnx/schema.ts). Fields the schema does not
 * list are skipped, so a model is only ever decoded for reading: rewriting one appends bytes instead (see
 * {@link appendGraphOutputs}), which keeps every field we do not know.
 */
import type protobuf from 'protobufjs';
import { onnxRoot } from '../../onnx/schema.js';


/** ONNX TensorProto.DataType codes this project names. */
export const ONNX_DTYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

export interface OnnxDim { dimValue?: number | Long; dimParam?: string }
type Long = { toNumber(): number };
export interface OnnxValueInfo { name: string; type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } } }
export interface OnnxAttribute { name: string; f?: number; i?: number | Long; s?: Uint8Array; ints?: (number | Long)[]; floats?: number[] }
export interface OnnxNode { input?: string[]; output?: string[]; name?: string; opType: string; domain?: string; attribute?: OnnxAttribute[] }
export interface OnnxTensor { dims?: (number | Long)[]; dataType?: number; floatData?: number[]; name: string; rawData?: Uint8Array; externalData?: { key: string; value: string }[]; dataLocation?: number }
export interface OnnxGraph { node?: OnnxNode[]; name?: string; initializer?: OnnxTensor[]; input?: OnnxValueInfo[]; output?: OnnxValueInfo[]; valueInfo?: OnnxValueInfo[] }
export interface OnnxModel { irVersion?: number | Long; producerName?: string; producerVersion?: string; graph?: OnnxGraph; opsetImport?: { domain?: string; version?: number | Long }[] }

let root: protobuf.Root | undefined;
function types() {
  root ??= onnxRoot(false);
  return { Model: root.lookupType('onnx.ModelProto'), ValueInfo: root.lookupType('onnx.ValueInfoProto') };
}

/** A protobuf int64 (number or Long) as a JS number. */
export function toNumber(v: number | Long | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Decodes a model's bytes (throws protobufjs's error on bytes that are not a protobuf message). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  return types().Model.decode(bytes) as unknown as OnnxModel;
}

/** A value's shape as the file declares it: numbers, symbolic names (strings), or undefined when unknown. */
export function valueShape(v: OnnxValueInfo | undefined): (number | string)[] | undefined {
  const dims = v?.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : '?'));
}

/**
 * Returns `bytes` with extra graph outputs. Protobuf merges repeated occurrences of an embedded message field, so
 * appending a second `graph` field that holds only `output` entries adds them to the model's graph without decoding
 * and re-encoding the rest (which a partial schema would lose). Each output carries its element type when known
 * (onnxruntime requires graph outputs to be typed).
 */
export function appendGraphOutputs(bytes: Uint8Array, outputs: { name: string; elemType?: number }[]): Uint8Array {
  if (outputs.length === 0) return bytes;
  const { Model } = types();
  const extra = Model.encode(
    Model.fromObject({ graph: { output: outputs.map((o) => ({ name: o.name, ...(o.elemType ? { type: { tensorType: { elemType: o.elemType } } } : {}) })) } }),
  ).finish();
  const out = new Uint8Array(bytes.byteLength + extra.byteLength);
  out.set(bytes, 0);
  out.set(extra, bytes.byteLength);
  return out;
}

/** Float32 values of an initializer (raw_data or float_data), for tools that read weights. */
export function tensorFloats(t: OnnxTensor): Float32Array {
  if (t.rawData && t.rawData.byteLength > 0) {
    const copy = new Uint8Array(t.rawData); // aligned copy
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}
