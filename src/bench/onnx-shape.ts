/**
 * Reads the declared input dims of an ONNX model straight from its protobuf bytes (ModelProto.graph.input), without
 * an ONNX library: onnxruntime-web's webgl backend cannot report input metadata, yet needs the fixed batch size.
 */

/** A minimal protobuf reader: (field number, wire type, value) triples of one message. */
function* fields(buf: Uint8Array, start = 0, end = buf.length): Generator<{ field: number; wire: number; value: bigint; from: number; to: number }> {
  let pos = start;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= end) throw new Error('truncated protobuf');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < end) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, wire, value: varint(), from: 0, to: 0 };
    else if (wire === 2) {
      const len = Number(varint());
      yield { field, wire, value: 0n, from: pos, to: pos + len };
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

/** The first length-delimited sub-message with this field number, as [from, to). */
function sub(buf: Uint8Array, from: number, to: number, field: number): [number, number] | undefined {
  for (const f of fields(buf, from, to)) if (f.field === field && f.wire === 2) return [f.from, f.to];
  return undefined;
}

/**
 * The dims of graph input `name` (or the first input that is not an initializer): a number for a fixed dim, a string
 * for a symbolic one, undefined when unknown. Undefined altogether when the bytes cannot be read.
 */
export function onnxInputDims(bytes: Uint8Array, name?: string): (number | string | undefined)[] | undefined {
  try {
    const graph = sub(bytes, 0, bytes.length, 7);
    if (!graph) return undefined;
    const initializers = new Set<string>();
    const inputs: [number, number][] = [];
    const text = (from: number, to: number) => new TextDecoder().decode(bytes.subarray(from, to));
    for (const f of fields(bytes, graph[0], graph[1])) {
      if (f.field === 5 && f.wire === 2) {
        // TensorProto.name is field 8.
        const n = sub(bytes, f.from, f.to, 8);
        if (n) initializers.add(text(n[0], n[1]));
      }
      if (f.field === 11 && f.wire === 2) inputs.push([f.from, f.to]);
    }
    for (const [from, to] of inputs) {
      const n = sub(bytes, from, to, 1);
      const inputName = n ? text(n[0], n[1]) : '';
      if (name !== undefined ? inputName !== name : initializers.has(inputName)) continue;
      // ValueInfoProto.type (2) → TypeProto.tensor_type (1) → TypeProto.Tensor.shape (2) → dim (1).
      const type = sub(bytes, from, to, 2);
      const tensor = type && sub(bytes, type[0], type[1], 1);
      const shape = tensor && sub(bytes, tensor[0], tensor[1], 2);
      if (!shape) return undefined;
      const dims: (number | string | undefined)[] = [];
      for (const d of fields(bytes, shape[0], shape[1])) {
        if (d.field !== 1 || d.wire !== 2) continue;
        let dim: number | string | undefined;
        for (const v of fields(bytes, d.from, d.to)) {
          if (v.field === 1 && v.wire === 0) dim = Number(v.value);
          if (v.field === 2 && v.wire === 2) dim = text(v.from, v.to);
        }
        dims.push(dim);
      }
      return dims;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** The fixed batch size an ONNX file declares for its input, if it declares one. */
export function onnxFixedBatch(bytes: Uint8Array, name?: string): number | undefined {
  const d0 = onnxInputDims(bytes, name)?.[0];
  return typeof d0 === 'number' && d0 > 0 ? d0 : undefined;
}
