import * as tf from '@tensorflow/tfjs';
import { readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../core/files.js';

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

/**
 * Writes a checkpoint (model weights, extra trainables such as feature adapters, optimizer moments, progress) to
 * `dir`, replacing the previous one only once the new one is complete: a crash leaves the last good checkpoint.
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
  await writeDirAtomic(next, async (stage) => {
    await writeFileAtomic(join(stage, 'state.bin'), buf);
    await writeFileAtomic(join(stage, 'state.json'), JSON.stringify({ meta: ck.meta, specs }));
  });
  const old = `${dir}.old`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(next, dir);
  await rm(old, { recursive: true, force: true });
}

/** Reads a checkpoint written by {@link saveCheckpoint}, or undefined when there is none. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  // A crash between the two renames leaves the complete checkpoint at `.old` or `.next`.
  const where = [dir, `${dir}.next`, `${dir}.old`].find((d) => existsSync(join(d, 'state.json')) && existsSync(join(d, 'state.bin')));
  if (!where) return undefined;
  const { meta, specs } = JSON.parse(await readFile(join(where, 'state.json'), 'utf8')) as { meta: CheckpointMeta; specs: tf.io.WeightsManifestEntry[] };
  const bin = await readFile(join(where, 'state.bin'));
  const named = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer, specs);
  const take = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => named[`${prefix}/${i}`]!);
  return { meta, model: take('model', meta.counts.model), extra: take('extra', meta.counts.extra), optimizer: take('opt', meta.counts.optimizer) };
}
