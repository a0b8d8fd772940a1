import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import type { Outputs, Teacher } from '../../core/types.js';
import { loadLayersModelFromFile } from '../../runtime/model-io.js';
import { closestNames } from '../../core/names.js';

/** True when the model's last layer applies softmax (its outputs are probabilities, not logits). */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers.at(-1);
  if (!last) return false;
  if (last.getClassName() === 'Softmax') return true;
  const act = (last.getConfig() as { activation?: unknown }).activation;
  return act === 'softmax';
}

/**
 * A teacher from a tfjs LayersModel. Taps are layer names. A model ending in softmax is detected and its
 * probabilities are turned into logits by log(p) (equal to the logits up to a per-sample constant, which softmax
 * ignores), so soft-kl sees the right distribution at every temperature.
 */
export class LayersTeacher implements Teacher {
  readonly inputShape: number[];
  readonly numClasses: number;
  readonly probs: boolean;
  private readonly heads = new Map<string, tf.LayersModel>();

  constructor(readonly id: string, private readonly model: tf.LayersModel) {
    const inShape = model.inputs[0]!.shape;
    if (model.inputs.length !== 1 || inShape.length !== 4) {
      throw new UserError(`${id}: teacher must take one image input [batch, h, w, c]; it takes ${model.inputs.map((i) => `[${i.shape.join(', ')}]`).join(', ')}`);
    }
    this.inputShape = inShape.slice(1).map((d) => d ?? -1);
    const outShape = model.outputs[0]!.shape;
    if (outShape.length !== 2) throw new UserError(`${id}: teacher output has shape [${outShape.join(', ')}]; expected [batch, classes]`);
    this.numClasses = outShape[1]!;
    this.probs = outputsProbabilities(model);
  }

  tapNames(): string[] {
    return this.model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name);
  }

  /** Shape of a tap's output without the batch dimension. */
  tapShape(name: string): number[] {
    return this.layer(name).outputShape.slice(1) as number[];
  }

  private layer(name: string): tf.layers.Layer {
    try {
      return this.model.getLayer(name);
    } catch {
      throw new UserError(`${this.id}: teacher has no layer "${name}" to tap (nearest: ${closestNames(name, this.tapNames()).join(', ')}); run edge-distill inspect to list them`);
    }
  }

  private head(taps: readonly string[]): tf.LayersModel {
    const key = taps.join('\0');
    let m = this.heads.get(key);
    if (!m) {
      const outs = [this.model.outputs[0]!, ...taps.map((t) => this.layer(t).output as tf.SymbolicTensor)];
      m = taps.length === 0 ? this.model : tf.model({ inputs: this.model.inputs, outputs: outs });
      this.heads.set(key, m);
    }
    return m;
  }

  async forward(x: tf.Tensor4D, taps: readonly string[]): Promise<Outputs> {
    const head = this.head(taps);
    return tf.tidy(() => {
      const out = head.predict(x);
      const arr = Array.isArray(out) ? out : [out];
      const raw = arr[0]!;
      const logits = this.probs ? tf.log(tf.clipByValue(raw, 1e-12, 1)) : raw;
      const features: Record<string, tf.Tensor> = {};
      taps.forEach((t, i) => (features[t] = arr[i + 1]!));
      return { logits, features } as unknown as tf.TensorContainerObject;
    }) as unknown as Outputs;
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Loads a LayersModel teacher from a model.json path. */
export async function loadLayersTeacher(path: string): Promise<LayersTeacher> {
  return new LayersTeacher(path, await loadLayersModelFromFile(tf, path));
}
