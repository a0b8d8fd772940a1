/**
 * The export stage's internal contracts: a writer builds an artifact's files in memory (so sizes, parity and
 * refusals are known before anything touches the disk), and also implements the core {@link Exporter} interface.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Artifact, ArtifactFormat, Exporter, ExportOptions, Precision } from '../core/types.js';

/** One file of an artifact, in memory. */
export interface BuiltFile {
  name: string;
  bytes: Uint8Array;
}

/** An artifact before it is written: what {@link Artifact} describes, with the bytes instead of sizes. */
export interface BuiltArtifact {
  format: ArtifactFormat;
  precision: Precision;
  entry: string;
  files: BuiltFile[];
  layout: Artifact['layout'];
  inputName?: string;
  outputName?: string;
  /** Facts worth recording in parity.json (e.g. folded layers, calibration images). */
  notes?: Record<string, unknown>;
}

/** A format writer: checks a model, builds its files, and (as an {@link Exporter}) writes them to a directory. */
export interface ExportWriter extends Exporter {
  /** Throws a UserError when `model` cannot be written in this format; called before anything is written. */
  check(model: tf.LayersModel, opts: ExportOptions): void;
  build(model: tf.LayersModel, opts: ExportOptions): Promise<BuiltArtifact>;
}
