import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeDirAtomic, writeFileAtomic } from '../core/files.js';
import { weightSpecBytes } from '../runtime/model-io.js';

/** The two files of a checkpoint folder: the tensors, and what they are (with state.bin's size and sha256). */
export const STATE_BIN = 'state.bin';
export const STATE_JSON = 'state.json';

/** What a checkpoint holds besides tensors. */
export interface CheckpointMeta {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  history: unknown[];
  /** Counts of each tensor group, to split the flat list back. */
  counts: { model: number; extra: number; optimizer: number };
}

export interface Checkpoint {
  meta: CheckpointMeta;
  model: tf.Tensor[];
  extra: tf.Tensor[];
  optimizer: tf.Tensor[];
}

/** What state.json holds: the progress, the tensors' specs, and the size and sha256 of state.bin. */
interface StateFile {
  meta: CheckpointMeta;
  specs: tf.io.WeightsManifestEntry[];
  /** Absent in checkpoints written before the checksum was recorded (they are checked by size only). */
  bytes?: number;
  sha256?: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Removes what a write of `dir` killed half-way leaves beside it: `.NAME.next.*.staging/` folders (the checkpoint
 * being built) and the `.*.tmp` files of an atomic write inside them.
 */
export async function removeCheckpointLeftovers(dir: string): Promise<void> {
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  const prefix = `.${basename(dir)}.next.`;
  for (const e of await readdir(parent)) if (e.startsWith(prefix) && e.endsWith('.staging')) await rm(join(parent, e), { recursive: true, force: true });
}

/** Removes a checkpoint and everything an interrupted write of it left (`.next`, `.old`, staging folders). */
export async function removeCheckpoint(dir: string): Promise<void> {
  for (const d of [dir, `${dir}.next`, `${dir}.old`]) await rm(d, { recursive: true, force: true });
  await removeCheckpointLeftovers(dir);
}

/**
 * Writes a checkpoint (model weights, extra trainables such as feature adapters, optimizer moments, progress) to
 * `dir`, replacing the previous one only once the new one is complete: a crash leaves the last good checkpoint.
 * state.json records state.bin's size and sha256, so a damaged file is refused on resume instead of training on.
 */
export async function saveCheckpoint(dir: string, ck: Checkpoint): Promise<void> {
  const named: tf.NamedTensorMap = {};
  ck.model.forEach((t, i) => (named[`model/${i}`] = t));
  ck.extra.forEach((t, i) => (named[`extra/${i}`] = t));
  ck.optimizer.forEach((t, i) => (named[`opt/${i}`] = t));
  const { data, specs } = await tf.io.encodeWeights(named);
  const buf = new Uint8Array(Array.isArray(data) ? await new Blob(data).arrayBuffer() : data);
  const next = `${dir}.next`;
  await rm(next, { recursive: true, force: true });
  await removeCheckpointLeftovers(dir);
  const state: StateFile = { meta: ck.meta, specs, bytes: buf.byteLength, sha256: sha256(buf) };
  await writeDirAtomic(next, async (stage) => {
    await writeFileAtomic(join(stage, STATE_BIN), buf);
    await writeFileAtomic(join(stage, STATE_JSON), JSON.stringify(state));
  });
  const old = `${dir}.old`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(next, dir);
  await rm(old, { recursive: true, force: true });
}

/** A damaged checkpoint: one line naming the file, and the way out (training again from the first epoch). */
function damaged(file: string, what: string, dir: string): UserError {
  return new UserError(`${file}: ${what}; the checkpoint is damaged and cannot be resumed from: delete ${dir} and --resume again to train from the first epoch, or start over with --force`);
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint}, or undefined when there is none. A state.json that is not
 * JSON or not a checkpoint's, or a state.bin of the wrong size or checksum, is a {@link UserError} naming the file.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  // A crash between the two renames leaves the complete checkpoint at `.old` or `.next`.
  const where = [dir, `${dir}.next`, `${dir}.old`].find((d) => existsSync(join(d, STATE_JSON)) && existsSync(join(d, STATE_BIN)));
  if (!where) return undefined;
  const jsonFile = join(where, STATE_JSON);
  const binFile = join(where, STATE_BIN);
  let state: StateFile;
  try {
    state = JSON.parse(await readFile(jsonFile, 'utf8')) as StateFile;
  } catch (e) {
    throw damaged(jsonFile, `is not valid JSON (${(e as Error).message})`, where);
  }
  const { meta, specs } = state ?? {};
  const counts = meta?.counts;
  if (!Array.isArray(specs) || typeof meta?.epoch !== 'number' || typeof meta.step !== 'number' || !Array.isArray(meta.history) || !counts || ![counts.model, counts.extra, counts.optimizer].every((n) => Number.isInteger(n) && n >= 0)) {
    throw damaged(jsonFile, 'does not hold a checkpoint (meta.epoch, meta.step, meta.counts and specs)', where);
  }
  const bin = await readFile(binFile);
  const declared = state.bytes ?? specs.reduce((a, s) => a + weightSpecBytes(s), 0);
  if (bin.byteLength !== declared) throw damaged(binFile, `holds ${bin.byteLength} bytes but ${STATE_JSON} declares ${declared} (the file is truncated or from another checkpoint)`, where);
  if (state.sha256 !== undefined && sha256(bin) !== state.sha256) throw damaged(binFile, `its sha256 differs from the one in ${STATE_JSON} (the bytes changed after it was written)`, where);
  let named: tf.NamedTensorMap;
  try {
    named = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer, specs);
  } catch (e) {
    throw damaged(binFile, `cannot be decoded with the specs of ${STATE_JSON} (${(e as Error).message.split('\n')[0]})`, where);
  }
  const take = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const t = named[`${prefix}/${i}`];
      if (!t) throw damaged(jsonFile, `has no tensor ${prefix}/${i} although meta.counts lists ${n}`, where);
      return t;
    });
  return { meta, model: take('model', counts.model), extra: take('extra', counts.extra), optimizer: take('opt', counts.optimizer) };
}
