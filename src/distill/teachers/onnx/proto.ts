/**
 * The parts of the ONNX protobuf schema (onnx/onnx.proto, IR ≤ 10) this project reads, written here as a
 * protobufjs definition. Fields a reader does not list are skipped, so a model is only ever decoded for reading:
 * rewriting one appends bytes instead (see {@link appendGraphOutputs}), which keeps every field we do not know.
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package onnx;
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
}
message AttributeProto {
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  repeated float floats = 7;
  repeated int64 ints = 8;
  int32 type = 20;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; string doc_string = 3; }
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  Tensor tensor_type = 1;
}
message TensorShapeProto {
  message Dimension { int64 dim_value = 1; string dim_param = 2; }
  repeated Dimension dim = 1;
}
message StringStringEntryProto { string key = 1; string value = 2; }
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int64 int64_data = 7;
  string name = 8;
  bytes raw_data = 9;
  repeated StringStringEntryProto external_data = 13;
  int32 data_location = 14;
}
`;

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
  root ??= protobuf.parse(SCHEMA, { keepCase: false }).root;
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
