/**
 * Builds a tfjs LayersModel with the weights of an ONNX file exported by PyTorch, so the same network exists in
 * three forms (ONNX, tfjs LayersModel, tfjs GraphModel) for parity tests and the teacher-cache benchmark.
 * NCHW → NHWC: conv kernels [out, in, kh, kw] → [kh, kw, in, out]; the dense layer after a flatten gets its rows
 * permuted from NCHW flatten order (c, h, w) to NHWC order (h, w, c). A Conv followed by a Relu becomes one Conv2D
 * layer with a relu activation, named after the conv (`/conv1/Conv` → `conv1`), as Keras models usually are.
 * Handles the ops of the fixtures (Conv, Relu, MaxPool, Flatten with its shape-arithmetic chain, Gemm, Softmax).
 */
import * as tf from '@tensorflow/tfjs';
import { decodeModel, tensorFloats, toNumber, valueShape, type OnnxAttribute, type OnnxNode } from '../../src/teachers/onnx/proto.js';

const IGNORED = new Set(['Shape', 'Constant', 'Slice', 'Concat', 'Reshape', 'Gather', 'Unsqueeze']);

function scopeName(n: OnnxNode): string {
  const parts = (n.name ?? n.opType).split('/').filter(Boolean);
  return parts.length > 1 ? parts.slice(0, -1).join('_') : parts[0]!.toLowerCase();
}
const attr = (n: OnnxNode, k: string): OnnxAttribute | undefined => n.attribute?.find((a) => a.name === k);
const attrInts = (n: OnnxNode, k: string, def: number[]) => attr(n, k)?.ints?.map(toNumber) ?? def;

/** The LayersModel equivalent of a small PyTorch CNN exported to ONNX (see test/fixtures/make_torch_teacher.py). */
export function onnxToLayers(bytes: Uint8Array): tf.LayersModel {
  const m = decodeModel(bytes);
  const g = m.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name, t]));
  const weight = (name: string) => {
    const t = inits.get(name)!;
    return tf.tensor(tensorFloats(t), (t.dims ?? []).map(toNumber));
  };
  const inShape = valueShape(g.input!.find((i) => !inits.has(i.name)))!;
  let [c, h, w] = inShape.slice(1) as number[];
  const nodes = (g.node ?? []).filter((n) => !IGNORED.has(n.opType));
  const layers: tf.layers.Layer[] = [];
  const weights: [tf.layers.Layer, tf.Tensor[]][] = [];
  let flattened: [number, number, number] | undefined;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const next = nodes[i + 1];
    if (n.opType === 'Conv') {
      const wt = weight(n.input![1]!);
      const [out, , kh, kw] = wt.shape as number[];
      const pads = attrInts(n, 'pads', [0, 0, 0, 0]);
      const strides = attrInts(n, 'strides', [1, 1]);
      if (strides.some((s) => s !== 1) || pads.some((p) => p !== (kh! - 1) / 2)) throw new Error(`${n.name}: only stride-1 same-padded convs are supported`);
      const relu = next?.opType === 'Relu';
      const layer = tf.layers.conv2d({ name: scopeName(n), filters: out!, kernelSize: [kh!, kw!], padding: 'same', activation: relu ? 'relu' : 'linear', ...(layers.length === 0 ? { inputShape: [h!, w!, c!] } : {}) });
      layers.push(layer);
      weights.push([layer, [tf.transpose(wt, [2, 3, 1, 0]), weight(n.input![2]!)]]);
      c = out!;
      if (relu) i++;
    } else if (n.opType === 'Relu') {
      layers.push(tf.layers.reLU({ name: scopeName(n) }));
    } else if (n.opType === 'MaxPool') {
      const k = attrInts(n, 'kernel_shape', [2, 2]);
      const s = attrInts(n, 'strides', k);
      layers.push(tf.layers.maxPooling2d({ name: scopeName(n), poolSize: k as [number, number], strides: s as [number, number] }));
      h = Math.floor((h! - k[0]!) / s[0]!) + 1;
      w = Math.floor((w! - k[1]!) / s[1]!) + 1;
    } else if (n.opType === 'Flatten') {
      layers.push(tf.layers.flatten({ name: 'flatten' }));
      flattened = [c!, h!, w!];
    } else if (n.opType === 'Gemm') {
      if (toNumber(attr(n, 'transB')?.i) !== 1) throw new Error(`${n.name}: only Gemm with transB=1 (torch Linear) is supported`);
      let kernel = tf.transpose(weight(n.input![1]!)); // [in, out]
      if (flattened) {
        const [fc, fh, fw] = flattened;
        const rows = new Int32Array(fc * fh * fw);
        for (let y = 0; y < fh; y++) for (let x = 0; x < fw; x++) for (let ch = 0; ch < fc; ch++) rows[(y * fw + x) * fc + ch] = ch * fh * fw + y * fw + x;
        kernel = tf.gather(kernel, tf.tensor1d(rows, 'int32'));
        flattened = undefined;
      }
      const softmax = next?.opType === 'Softmax';
      const layer = tf.layers.dense({ name: scopeName(n), units: kernel.shape[1]!, activation: softmax ? 'softmax' : 'linear' });
      layers.push(layer);
      weights.push([layer, [kernel, weight(n.input![2]!)]]);
      if (softmax) i++;
    } else {
      throw new Error(`${n.name}: ONNX op ${n.opType} is not supported by onnxToLayers`);
    }
  }
  const model = tf.sequential({ layers });
  for (const [layer, ws] of weights) {
    layer.setWeights(ws);
    tf.dispose(ws);
  }
  return model;
}
