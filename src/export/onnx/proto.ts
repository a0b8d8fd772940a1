/**
 * The encoder from the in-memory graph ({@link OnnxModel}) to ONNX's wire format (IR 8), with the project's one
 * ONNX schema (src/onnx/schema.ts) parsed by protobufjs; no generated code is committed.
 */
import type protobuf from 'protobufjs';
import { onnxRoot } from '../../onnx/schema.js';
import type { Attr, OnnxModel, OnnxTensor, OnnxValueInfo } from './graph.js';


let modelType: protobuf.Type | undefined;

/** The ModelProto message type (parsed once). */
export function modelProtoType(): protobuf.Type {
  modelType ??= onnxRoot(true).lookupType('onnx.ModelProto');
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
