/** Writing a built artifact to a directory and measuring it (raw and gzip bytes, as a web server would send it). */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Artifact } from '../core/types.js';
import { writeFileAtomic } from '../core/files.js';
import type { BuiltArtifact } from './types.js';

/** Total bytes of the files, raw and gzip-compressed (level 9, each file on its own, as served). */
export function measure(files: { bytes: Uint8Array }[]): { bytes: number; gzipBytes: number } {
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    bytes += f.bytes.byteLength;
    gzipBytes += gzipSync(f.bytes, { level: 9 }).byteLength;
  }
  return { bytes, gzipBytes };
}

/** Writes `built` into `dir` and returns its {@link Artifact} record with `dir` as given. */
export async function writeBuilt(built: BuiltArtifact, dir: string): Promise<Artifact> {
  for (const f of built.files) await writeFileAtomic(join(dir, f.name), f.bytes);
  return describe(built, dir);
}

/** The {@link Artifact} record of `built` placed in `dir`. */
export function describe(built: BuiltArtifact, dir: string): Artifact {
  const a: Artifact = {
    format: built.format,
    precision: built.precision,
    dir,
    entry: built.entry,
    files: built.files.map((f) => f.name),
    ...measure(built.files),
    layout: built.layout,
  };
  if (built.inputName) a.inputName = built.inputName;
  if (built.outputName) a.outputName = built.outputName;
  return a;
}
