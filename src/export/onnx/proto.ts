/**
 * The subset of onnx.proto (IR 8) this project writes, as an inline proto2 schema parsed by protobufjs, and the
 * encoder from the in-memory graph ({@link OnnxModel}) to the wire format. Field numbers are onnx.proto's; the
 * schema is hand-written (only the messages a plain inference graph needs) so no generated code is committed.
 */
import protobuf from 'protobufjs';
import type { Attr, OnnxModel, OnnxTensor, OnnxValueInfo } from './graph.js';

const SCHEMA = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10; }
  optional string name = 1;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; optional string doc_string = 3; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
  optional string doc_string = 12;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } optional string denotation = 3; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
  optional string denotation = 6;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
`;

let modelType: protobuf.Type | undefined;

/** The ModelProto message type (parsed once). */
export function modelProtoType(): protobuf.Type {
  modelType ??= protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

const ATTR_TYPE = { f: 1, i: 2, s: 3, t: 4, floats: 6, ints: 7 } as const;

// raw_data is little-endian by the ONNX spec; typed arrays use the host's order, so refuse a big-endian host.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function tensorProto(t: OnnxTensor): Record<string, unknown> {
  if (!LITTLE_ENDIAN) throw new Error('writing ONNX on a big-endian host is not supported');
  const d = t.data;
  return { name: t.name, dims: t.dims, data_type: t.dataType, raw_data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
}

function attributeProto(name: string, a: Attr): Record<string, unknown> {
  if ('f' in a) return { name, type: ATTR_TYPE.f, f: a.f };
  if ('i' in a) return { name, type: ATTR_TYPE.i, i: a.i };
  if ('s' in a) return { name, type: ATTR_TYPE.s, s: new TextEncoder().encode(a.s) };
  if ('t' in a) return { name, type: ATTR_TYPE.t, t: tensorProto(a.t) };
  if ('floats' in a) return { name, type: ATTR_TYPE.floats, floats: a.floats };
  return { name, type: ATTR_TYPE.ints, ints: a.ints };
}

function valueInfoProto(v: OnnxValueInfo): Record<string, unknown> {
  const tensor: Record<string, unknown> = { elem_type: v.elemType };
  if (v.shape) tensor.shape = { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
  return { name: v.name, type: { tensor_type: tensor } };
}

/** Serialises `model` to ONNX protobuf bytes (the content of a .onnx file). */
export function encodeModel(model: OnnxModel): Uint8Array {
  const g = model.graph;
  const msg = {
    ir_version: model.irVersion,
    opset_import: model.opsets.map((o) => ({ domain: o.domain, version: o.version })),
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    doc_string: model.docString ?? '',
    graph: {
      name: g.name,
      node: g.nodes.map((n) => ({
        name: n.name,
        op_type: n.opType,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes).map(([k, a]) => attributeProto(k, a)),
      })),
      initializer: g.initializers.map(tensorProto),
      input: g.inputs.map(valueInfoProto),
      output: g.outputs.map(valueInfoProto),
    },
    metadata_props: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const T = modelProtoType();
  return T.encode(T.fromObject(msg)).finish();
}

/** Decodes .onnx bytes into a plain object (field names as in onnx.proto); used by tests and debugging. */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const T = modelProtoType();
  return T.toObject(T.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
}
