import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../core/types.js';
import { TeacherConfig } from '../config/schema.js';
import { loadLayersModelFromFile, readModelArtifacts, weightFilePath } from '../runtime/model-io.js';
import type { NodeInfo, TeacherModel } from './model.js';
import { ModelTeacher } from './model-teacher.js';

/** True when the model's last layer applies softmax (its outputs are probabilities, not logits). */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers.at(-1);
  return last ? layerOp(last) === 'Softmax' : false;
}

/** A layer's class, or Softmax when it is any layer with a softmax activation. */
function layerOp(l: tf.layers.Layer): string {
  if (l.getClassName() === 'Softmax') return 'Softmax';
  return (l.getConfig() as { activation?: unknown }).activation === 'softmax' ? 'Softmax' : l.getClassName();
}

/** A tfjs LayersModel as a {@link TeacherModel}: taps are layer names, NHWC always. */
export class LayersModelFile implements TeacherModel {
  readonly kind = 'layers-model';
  readonly layout = 'nhwc' as const;
  readonly summary: string;
  private readonly heads = new Map<string, tf.LayersModel>();

  constructor(readonly files: string[], private readonly model: tf.LayersModel) {
    this.summary = `tfjs LayersModel, ${model.layers.length} layers, ${model.countParams()} params`;
  }

  get input() {
    const i = this.model.inputs[0]!;
    return { name: i.name, shape: this.model.inputs.length === 1 ? i.shape : undefined, dtype: i.dtype };
  }

  get outputs() {
    return this.model.outputs.map((o) => ({ name: o.sourceLayer.name, shape: o.shape, dtype: o.dtype }));
  }

  nodes(): NodeInfo[] {
    return this.model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => ({ name: l.name, op: layerOp(l), tapable: true }));
  }

  producer(name: string): string | undefined {
    const l = this.model.layers.find((x) => x.name === name);
    return l ? layerOp(l) : undefined;
  }

  private head(fetch: readonly string[]): tf.LayersModel {
    const key = fetch.join('\0');
    let m = this.heads.get(key);
    if (!m) {
      m = tf.model({ inputs: this.model.inputs, outputs: fetch.map((n) => this.model.getLayer(n).output as tf.SymbolicTensor) });
      this.heads.set(key, m);
    }
    return m;
  }

  async run(x: tf.Tensor, fetch: readonly string[]): Promise<tf.Tensor[]> {
    const out = this.head(fetch).predict(x);
    return Array.isArray(out) ? out : [out];
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Files a model.json refers to: itself and its weight shards (hashed into cache keys). */
export async function modelJsonFiles(path: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const json = JSON.parse(await readFile(path, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
  return [path, ...(json.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => weightFilePath(path, p)))];
}

/** Opens a LayersModel model.json (missing or truncated shards are UserErrors from model-io). */
export async function openLayersModel(path: string): Promise<LayersModelFile> {
  await readModelArtifacts(path); // shard checks with clear errors before tfjs sees the files
  return new LayersModelFile(await modelJsonFiles(path), await loadLayersModelFromFile(tf, path));
}

/** Loads a LayersModel teacher from a model.json path with default options (NHWC, output kind detected). */
export async function loadLayersTeacher(path: string): Promise<Teacher> {
  return ModelTeacher.create(await openLayersModel(path), TeacherConfig.parse({ path }));
}
