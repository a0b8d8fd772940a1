/**
 * A student whose architecture the user brings: a tfjs LayersModel model.json (saved from tfjs, or converted from
 * Keras). It behaves as a family of one member, so the trainer, tune and export take it like any other student.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { IOSpec, StudentFamily } from '../core/types.js';
import { loadTf } from '../runtime/backend.js';
import { loadLayersModelFromFile } from '../runtime/model-io.js';

import type { StudentWeightMode } from '../config/schema.js';

const NoParams = z.object({}).strict();

/**
 * Gives every initializer in a layers config that takes a seed its own seed derived from `seed`, so the student's
 * initial weights follow the run's seed (the file's own initializer kinds and scales are kept).
 */
export function seedInitializers(config: unknown, seed: number): unknown {
  let k = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, val] of Object.entries(o)) out[key] = walk(val);
    const cfg = out.config as Record<string, unknown> | undefined;
    if (typeof out.className === 'string' && cfg && typeof cfg === 'object' && 'seed' in cfg) out.config = { ...cfg, seed: seed * 1000 + k++ };
    return out;
  };
  return walk(config);
}

/**
 * Loads `path` as a student: a one-member family whose `build` makes a fresh copy of the file's model (its layer
 * names are its feature taps). With `weights: 'init'` each copy is initialised from `seed`; with `keep` it carries
 * the file's weights. The input shape must agree with the data's (or `--student-input`), checked in `build`.
 */
export async function loadFileStudent(path: string, weights: StudentWeightMode, flag = '--student'): Promise<StudentFamily<Record<string, never>>> {
  if (!existsSync(path)) throw new UserError(`${flag} ${path}: file not found; give a tfjs LayersModel model.json, or a family name (cnn, dsconv, mlp, vgg)`);
  const tf = await loadTf();
  let json: { format?: string; modelTopology?: unknown; weightsManifest?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${flag} ${path}: not a JSON model file (${(e as Error).message}); give a tfjs LayersModel model.json`);
  }
  if (json.format === 'graph-model') throw new UserError(`${flag} ${path}: is a tfjs GraphModel (a frozen graph cannot be trained); give a LayersModel model.json (tfjs.converters.save_keras_model from Keras)`);
  if (!json.modelTopology) throw new UserError(`${flag} ${path}: has no modelTopology; give a tfjs LayersModel model.json`);
  let loaded: import('@tensorflow/tfjs').LayersModel;
  if (weights === 'keep') loaded = await loadLayersModelFromFile(tf, path);
  else {
    try {
      // Topology only: the weight files are neither needed nor read.
      loaded = await tf.loadLayersModel({ load: async () => ({ modelTopology: json.modelTopology as object }) });
    } catch (e) {
      throw new UserError(`${flag} ${path}: tfjs could not build the model (${(e as Error).message.split('\n')[0]})`);
    }
  }
  const config = loaded.getConfig();
  const className = loaded.getClassName();
  const kept = weights === 'keep' ? loaded.getWeights().map((w) => w.clone()) : undefined;
  const inputShape = loaded.inputs[0]!.shape.slice(1);
  const layerCount = loaded.layers.length;
  loaded.dispose();
  const name = `file:${basename(path)}`;
  return {
    name,
    description: `the model in ${path} (${weights === 'keep' ? 'its own weights' : 'weights drawn from the seed'})`,
    params: NoParams,
    defaultParams: {},
    grid: () => [{}],
    build(_p: Record<string, never>, io: IOSpec, seed = 1) {
      const fits = inputShape.length === io.inputShape.length && inputShape.every((d, i) => d === null || d === io.inputShape[i]);
      if (!fits) throw new UserError(`${flag} ${path}: the model takes inputs [${inputShape.join(', ')}] but the student's input is [${io.inputShape.join(', ')}] (h, w, c); save the model for that input size, or set --student-input to [${inputShape.join('x')}]`);
      const cls = className === 'Sequential' ? tf.Sequential : tf.LayersModel;
      const cfg = weights === 'init' ? seedInitializers(config, seed) : config;
      const model = cls.fromConfig(cls as never, cfg as never) as import('@tensorflow/tfjs').LayersModel;
      if (kept) model.setWeights(kept);
      const outShape = model.outputs[0]!.shape;
      const last = model.layers[model.layers.length - 1]!;
      if (last.getClassName() === 'Softmax' || (last.getConfig() as { activation?: unknown }).activation === 'softmax') {
        model.dispose();
        throw new UserError(`${flag} ${path}: the last layer (${last.name}) applies softmax; a student must output logits (the losses apply their own softmax): drop the softmax from the model and apply it at inference`);
      }
      if (model.outputs.length !== 1 || outShape[outShape.length - 1] !== io.numClasses) {
        model.dispose();
        throw new UserError(`${flag} ${path}: the model's output is [${outShape.join(', ')}] but the data has ${io.numClasses} classes; the student's single output must be the ${io.numClasses} class logits`);
      }
      return model;
    },
    describe: () => `${basename(path)}, ${layerCount} layers`,
  };
}
