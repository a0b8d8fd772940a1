/**
 * An in-memory ONNX graph (nodes, initializers, inputs/outputs) and a builder that hands out unique tensor names.
 * Conversion, BN folding and int8 QDQ rewriting all work on this form; proto.ts serialises it at the end.
 */

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** A node attribute, tagged with its ONNX type (an int and a float attribute are different things to ONNX). */
export type Attr = { f: number } | { i: number } | { s: string } | { t: OnnxTensor } | { floats: number[] } | { ints: number[] };

/** An initializer (weights, shapes, quantization parameters), row-major. */
export interface OnnxTensor {
  name: string;
  dataType: DataType;
  dims: number[];
  data: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

/** One operator application; `domain` empty means the default ONNX domain. */
export interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attr>;
  domain?: string;
}

/** A graph input/output: element type and shape (a string is a symbolic dimension such as "batch"). */
export interface OnnxValueInfo {
  name: string;
  elemType: DataType;
  shape?: (number | string)[];
}

/** A graph in topological node order. */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** A whole model: graph plus the IR/opset headers and metadata. */
export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
  graph: OnnxGraph;
}

/** The IR and opset this project writes (IR 8 / opset 13: what onnxruntime 1.x and Debian's onnx 1.12 checker accept). */
export const IR_VERSION = 8;
export const OPSET = 13;

/** Collects nodes and initializers in topological order and keeps tensor names unique. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();

  /** A fresh name based on `hint` (ONNX names must be unique across the graph). */
  unique(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_') || 't';
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Marks `name` as taken (graph inputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`tensor name ${name} is already used`);
    this.used.add(name);
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  add(opType: string, inputs: string[], attributes: Record<string, Attr> = {}, hint = opType): string {
    const out = this.unique(hint);
    this.nodes.push({ name: this.unique(`${hint}/${opType}`), opType, inputs, outputs: [out], attributes });
    return out;
  }

  /** Adds a float32 initializer. */
  float(hint: string, data: Float32Array | number[], dims: number[]): string {
    return this.tensor(hint, DataType.FLOAT, data instanceof Float32Array ? data : Float32Array.from(data), dims);
  }

  /** Adds an int64 initializer (shapes, axes). */
  int64(hint: string, values: number[]): string {
    return this.tensor(hint, DataType.INT64, BigInt64Array.from(values.map((v) => BigInt(v))), [values.length]);
  }

  /** Adds an initializer of any type. */
  tensor(hint: string, dataType: DataType, data: OnnxTensor['data'], dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`initializer ${hint}: ${data.length} values for dims [${dims}]`);
    const name = this.unique(hint);
    this.initializers.push({ name, dataType, dims, data });
    return name;
  }

  /** Renames tensor `from` to `to` everywhere (used to give the last node's output the graph output's name). */
  rename(from: string, to: string): void {
    this.reserve(to);
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((x) => (x === from ? to : x));
      n.outputs = n.outputs.map((x) => (x === from ? to : x));
    }
  }
}

/** A float32 tensor's values from an initializer of `graph`, or undefined when `name` is not an initializer. */
export function initializerOf(graph: OnnxGraph, name: string): OnnxTensor | undefined {
  return graph.initializers.find((t) => t.name === name);
}

/** Attribute helpers: `ints([1, 2])`, `int(1)`, `float(0.5)`. */
export const ints = (v: number[]): Attr => ({ ints: v });
export const int = (v: number): Attr => ({ i: v });
export const float = (v: number): Attr => ({ f: v });
