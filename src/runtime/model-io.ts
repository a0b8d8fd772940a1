import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';

type tf = typeof tfType;
type ModelArtifacts = tfType.io.ModelArtifacts;
type WeightsManifestEntry = tfType.io.WeightsManifestEntry;

/** Bytes one weight takes on disk, from its manifest entry (honours uint8/uint16/float16 quantization). */
export function weightSpecBytes(spec: WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  if (q === 'uint8') return n;
  if (q === 'uint16' || q === 'float16') return 2 * n;
  if (spec.dtype === 'string') throw new Error('string weights are not supported');
  return 4 * n; // float32, int32 and bool are all stored as 4 bytes
}

/** The parsed model.json (the parts this project reads). */
export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  trainingConfig?: unknown;
  weightsManifest: { paths: string[]; weights: WeightsManifestEntry[] }[];
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: unknown;
}

/**
 * The file a weightsManifest path names, beside model.json. A path that leaves the model folder (`../x`, an absolute
 * path) is refused: a model.json is data, and must not make the tool open or count files elsewhere.
 */
export function weightFilePath(modelJsonPath: string, p: unknown): string {
  const dir = dirname(resolve(modelJsonPath));
  if (typeof p !== 'string' || p === '') throw new UserError(`${modelJsonPath}: weightsManifest holds a path ${JSON.stringify(p)}; expected the name of a weight file next to model.json`);
  const file = resolve(dir, p);
  const rel = relative(dir, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || isAbsolute(p)) throw new UserError(`${modelJsonPath}: weightsManifest path ${JSON.stringify(p)} leaves the model folder; weight files must lie inside ${dir} (re-save the model, or fix the path)`);
  return file;
}

/**
 * Reads a tfjs model.json and its weight shards from disk into ModelArtifacts, checking every shard exists and that
 * the shards hold exactly the bytes the manifest declares. Works for LayersModel and GraphModel files alike.
 */
export async function readModelArtifacts(modelJsonPath: string): Promise<ModelArtifacts> {
  const path = resolve(modelJsonPath);
  if (!existsSync(path)) throw new UserError(`${modelJsonPath}: file not found (expected a tfjs model.json)`);
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
  } catch (e) {
    throw new UserError(`${modelJsonPath}: not valid JSON (${(e as Error).message}); expected a tfjs model.json`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new UserError(`${modelJsonPath}: not a tfjs model.json (needs "modelTopology" and "weightsManifest")`);
  }
  const dir = dirname(path);
  const weightSpecs: WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    const expected = group.weights.reduce((a, w) => a + weightSpecBytes(w), 0);
    let got = 0;
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new UserError(`${modelJsonPath}: a weightsManifest group lacks "paths" or "weights"; expected a tfjs model.json`);
    for (const p of group.paths) {
      const file = weightFilePath(path, p);
      if (!existsSync(file)) {
        throw new UserError(`${modelJsonPath}: weight file ${p} is missing (expected next to model.json); copy the whole model folder`);
      }
      const buf = await readFile(file);
      got += buf.byteLength;
      buffers.push(buf);
    }
    if (got !== expected) {
      throw new UserError(
        `${modelJsonPath}: weight files ${group.paths.join(', ')} hold ${got} bytes but the manifest declares ${expected}; the files are truncated or do not belong to this model.json`,
      );
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const artifacts: ModelArtifacts = {
    modelTopology: json.modelTopology as ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData,
  };
  if (json.format !== undefined) artifacts.format = json.format;
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.convertedBy !== undefined && json.convertedBy !== null) artifacts.convertedBy = json.convertedBy;
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig as ModelArtifacts['trainingConfig'];
  if (json.signature !== undefined) artifacts.signature = json.signature as object;
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata as ModelArtifacts["userDefinedMetadata"];
  if (json.modelInitializer !== undefined) artifacts.modelInitializer = json.modelInitializer as object;
  return artifacts;
}

/** An IOHandler that loads a model.json from disk (plain tfjs has no file:// handler without tfjs-node). */
export function fileLoadHandler(modelJsonPath: string): tfType.io.IOHandler {
  return { load: () => readModelArtifacts(modelJsonPath) };
}

/** Loads a tfjs LayersModel from a model.json path. */
export async function loadLayersModelFromFile(tf: tf, modelJsonPath: string): Promise<tfType.LayersModel> {
  const artifacts = await readModelArtifacts(modelJsonPath);
  if (artifacts.format === 'graph-model') {
    throw new UserError(`${modelJsonPath}: is a tfjs GraphModel; a LayersModel is expected here`);
  }
  try {
    return await tf.loadLayersModel({ load: async () => artifacts });
  } catch (e) {
    throw new UserError(`${modelJsonPath}: tfjs could not build the model (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Default shard size, as the Python converter uses. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** Splits `data` into shards of at most `shardBytes` and names them `group1-shardKofN.bin`. */
export function shardWeights(data: Uint8Array, shardBytes = SHARD_BYTES): { name: string; bytes: Uint8Array }[] {
  const n = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  return Array.from({ length: n }, (_, k) => ({
    name: `group1-shard${k + 1}of${n}.bin`,
    bytes: data.subarray(k * shardBytes, Math.min(data.byteLength, (k + 1) * shardBytes)),
  }));
}

/** Flattens ModelArtifacts.weightData (ArrayBuffer or ArrayBuffer[]) into one byte array. */
export function weightBytes(artifacts: ModelArtifacts): Uint8Array {
  const wd = artifacts.weightData;
  if (!wd) return new Uint8Array(0);
  if (Array.isArray(wd)) return new Uint8Array(Buffer.concat(wd.map((b) => new Uint8Array(b))));
  return new Uint8Array(wd);
}

/**
 * Writes ModelArtifacts as model.json + 4 MB shards into `dir` (each file atomically). Returns the file names.
 */
export async function writeModelArtifacts(dir: string, artifacts: ModelArtifacts, shardBytes = SHARD_BYTES): Promise<string[]> {
  const shards = shardWeights(weightBytes(artifacts), shardBytes);
  const modelJson: ModelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? 'edge-distill',
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata as Record<string, unknown>;
  for (const s of shards) await writeFileAtomic(join(dir, s.name), s.bytes);
  await writeFileAtomic(join(dir, 'model.json'), JSON.stringify(modelJson));
  return ['model.json', ...shards.map((s) => s.name)];
}

/** Saves a LayersModel (float32 weights) as model.json + shards into `dir`, without tfjs-node. */
export async function saveLayersModelToDir(model: tfType.LayersModel, dir: string): Promise<string[]> {
  let captured: ModelArtifacts | undefined;
  await model.save({
    save: async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  if (!captured) throw new Error('model.save produced no artifacts');
  return writeModelArtifacts(dir, captured);
}

/** Total size in bytes of the files in a model folder listed by `files`. */
export async function filesBytes(dir: string, files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await stat(join(dir, f))).size;
  return total;
}
