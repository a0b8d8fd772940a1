import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedBatchOption, onnxFixedBatch, onnxInputDims } from '../../../src/bench/onnx-shape.js';

// Protobuf bytes written by hand (wire format: key = field << 3 | wire type; 2 = length-delimited, 0 = varint), so
// the reader is checked against an encoding that does not go through the schema it decodes with.
const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
const msg = (field: number, ...body: number[][]): number[] => {
  const bytes = body.flat();
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
};
const str = (field: number, s: string) => msg(field, [...new TextEncoder().encode(s)]);
const int = (field: number, n: number) => [field << 3, ...varint(n)];

// ValueInfoProto{name=1, type=2{tensor_type=1{shape=2{dim=1{dim_value=1 | dim_param=2}}}}}
const valueInfo = (name: string, dims: number[][]) => msg(11, str(1, name), msg(2, msg(1, int(1, 1), msg(2, ...dims.map((d) => msg(1, d))))));
// ModelProto{ir_version=1, graph=7{initializer=5{name=8}, input=11...}}: the weight "w" is listed as an input first.
const model = new Uint8Array([
  ...int(1, 8),
  ...msg(7, msg(5, str(8, 'w'), int(1, 3)), valueInfo('w', [int(1, 3)]), valueInfo('x', [str(2, 'N'), int(1, 300), [], int(1, 0)])),
]);

test('input dims: fixed, symbolic, unknown (undefined) and 0 dims; initializers listed as inputs are skipped', () => {
  assert.deepEqual(onnxInputDims(model), ['N', 300, undefined, 0]);
  assert.deepEqual(onnxInputDims(model, 'w'), [3]);
  assert.equal(onnxInputDims(model, 'y'), undefined);
  assert.equal(onnxFixedBatch(model), undefined);
  assert.equal(onnxFixedBatch(model, 'w'), 3);
  assert.deepEqual(fixedBatchOption(model, 'w'), { fixedBatch: 3 });
  assert.deepEqual(fixedBatchOption(model), {});
});

test('input dims: bytes that are not a model, or a model without inputs, read as undefined', () => {
  assert.equal(onnxInputDims(new Uint8Array([1, 2, 3])), undefined);
  assert.equal(onnxInputDims(new Uint8Array(model.subarray(0, model.length - 3))), undefined);
  assert.equal(onnxInputDims(new Uint8Array(int(1, 8))), undefined);
  assert.equal(onnxInputDims(new Uint8Array()), undefined);
});
