/**
 * Writes a tfjs LayersModel as a tfjs GraphModel: the TensorFlow GraphDef-as-JSON nodes the tfjs converter emits
 * (Placeholder, Const, Conv2D/_FusedConv2D, MaxPool, Reshape, MatMul/_FusedMatMul, Relu, Softmax, Identity) and
 * one weights manifest. No TensorFlow Python converter can be installed here, so test fixtures are made this way.
 * `batch` fixes the Placeholder's batch dim (as some exports do). With `fuse` (the default) Conv2D/MatMul + BiasAdd (+ Relu) become one fused node named after its last op, as
 * the converter's graph optimiser does; the pre-activation values then exist in no node.
 * Handles exactly the layer types below (enough for the fixtures); anything else throws.
 */
import * as tf from '@tensorflow/tfjs';
import { writeModelArtifacts } from '../../src/runtime/model-io.js';

type Attr = Record<string, unknown>;
interface Node { name: string; op: string; input?: string[]; attr?: Attr }

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const ints = (xs: number[]) => ({ list: { i: xs.map(String) } });
const shapeAttr = (dims: number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });
const T = { T: { type: 'DT_FLOAT' } };

/** GraphModel artifacts (model.json content + weights) for a sequential-style LayersModel. */
export function layersToGraphModel(model: tf.LayersModel, opts: { fuse?: boolean; batch?: number } = {}): tf.io.ModelArtifacts {
  const fuse = opts.fuse ?? true;
  const nodes: Node[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  const data: Float32Array[] = [];
  const konst = (name: string, t: tf.Tensor, dtype: 'float32' | 'int32' = 'float32') => {
    const dt = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: dt, tensorShape: shapeAttr(t.shape) } }, dtype: { type: dt } } });
    specs.push({ name, shape: t.shape, dtype });
    data.push(dtype === 'float32' ? (t.dataSync() as Float32Array) : new Float32Array(new Int32Array(t.dataSync()).buffer));
    return name;
  };
  const inShape = model.inputs[0]!.shape.map((d, i) => (i === 0 && opts.batch ? opts.batch : (d ?? -1)));
  nodes.push({ name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: shapeAttr(inShape) } } });
  let x = 'input';
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as { activation?: string; strides?: number[]; padding?: string; poolSize?: number[]; useBias?: boolean };
    const L = layer.name;
    const act = cfg.activation ?? 'linear';
    if (!['linear', 'relu', 'softmax'].includes(act)) throw new Error(`${L}: activation ${act} is not supported`);
    if (cls === 'InputLayer') continue;
    if (cls === 'Conv2D' || cls === 'Dense') {
      const [kernel, bias] = layer.getWeights();
      if (!bias) throw new Error(`${L}: layers without bias are not supported`);
      const conv = cls === 'Conv2D';
      const base = conv ? 'Conv2D' : 'MatMul';
      const w = konst(`${L}/${base}/ReadVariableOp`, kernel!);
      const b = konst(`${L}/BiasAdd/ReadVariableOp`, bias);
      const opAttr: Attr = conv
        ? { ...T, strides: ints([1, ...(cfg.strides ?? [1, 1]), 1]), padding: { s: b64((cfg.padding ?? 'valid').toUpperCase()) }, data_format: { s: b64('NHWC') }, dilations: ints([1, 1, 1, 1]), use_cudnn_on_gpu: { b: true }, explicit_paddings: { list: {} } }
        : { ...T, transpose_a: { b: false }, transpose_b: { b: false } };
      const relu = act === 'relu';
      if (fuse) {
        const name = `${L}/${relu ? 'Relu' : 'BiasAdd'}`;
        nodes.push({ name, op: conv ? '_FusedConv2D' : '_FusedMatMul', input: [x, w, b], attr: { ...opAttr, num_args: { i: '1' }, epsilon: { f: 0 }, fused_ops: { list: { s: (relu ? ['BiasAdd', 'Relu'] : ['BiasAdd']).map(b64) } } } });
        x = name;
      } else {
        nodes.push({ name: `${L}/${base}`, op: base, input: [x, w], attr: opAttr });
        nodes.push({ name: `${L}/BiasAdd`, op: 'BiasAdd', input: [`${L}/${base}`, b], attr: { ...T, data_format: { s: b64('NHWC') } } });
        x = `${L}/BiasAdd`;
        if (relu) {
          nodes.push({ name: `${L}/Relu`, op: 'Relu', input: [x], attr: T });
          x = `${L}/Relu`;
        }
      }
      if (act === 'softmax') {
        nodes.push({ name: `${L}/Softmax`, op: 'Softmax', input: [x], attr: T });
        x = `${L}/Softmax`;
      }
    } else if (cls === 'MaxPooling2D') {
      const k = cfg.poolSize ?? [2, 2];
      const s = cfg.strides ?? k;
      nodes.push({ name: `${L}/MaxPool`, op: 'MaxPool', input: [x], attr: { ...T, ksize: ints([1, ...k, 1]), strides: ints([1, ...s, 1]), padding: { s: b64((cfg.padding ?? 'valid').toUpperCase()) }, data_format: { s: b64('NHWC') }, explicit_paddings: { list: {} } } });
      x = `${L}/MaxPool`;
    } else if (cls === 'Flatten') {
      const n = (layer.outputShape as number[])[1]!;
      const shape = konst(`${L}/Const`, tf.tensor1d([-1, n], 'int32'), 'int32');
      nodes.push({ name: `${L}/Reshape`, op: 'Reshape', input: [x, shape], attr: { ...T, Tshape: { type: 'DT_INT32' } } });
      x = `${L}/Reshape`;
    } else if (cls === 'ReLU' || (cls === 'Activation' && act === 'relu')) {
      nodes.push({ name: `${L}/Relu`, op: 'Relu', input: [x], attr: T });
      x = `${L}/Relu`;
    } else if (cls === 'Softmax' || (cls === 'Activation' && act === 'softmax')) {
      nodes.push({ name: `${L}/Softmax`, op: 'Softmax', input: [x], attr: T });
      x = `${L}/Softmax`;
    } else {
      throw new Error(`${L}: layer ${cls} is not supported by the GraphModel writer`);
    }
  }
  nodes.push({ name: 'Identity', op: 'Identity', input: [x], attr: T });
  const bytes = new Uint8Array(data.reduce((a, d) => a + d.byteLength, 0));
  let off = 0;
  for (const d of data) {
    bytes.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), off);
    off += d.byteLength;
  }
  return {
    format: 'graph-model',
    generatedBy: 'edge-distill test/helpers/graph-model-writer.ts',
    convertedBy: 'edge-distill test/helpers/graph-model-writer.ts (GraphDef JSON as the tfjs converter writes it)',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } } as unknown as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: bytes.buffer,
  };
}

/** Writes {@link layersToGraphModel}'s output as model.json + weight shard into `dir`. */
export async function saveAsGraphModel(model: tf.LayersModel, dir: string, opts: { fuse?: boolean; batch?: number } = {}): Promise<string[]> {
  return writeModelArtifacts(dir, layersToGraphModel(model, opts));
}
