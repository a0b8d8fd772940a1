import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { weightFilePath } from '../runtime/model-io.js';

/**
 * Raw and gzip sizes of a file set. gzip at zlib's default level 6, per file, as a web server or CDN compresses each
 * response; the sum is what a browser downloads.
 */
export async function fileSetBytes(dir: string, files: string[]): Promise<{ bytes: number; gzipBytes: number }> {
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const buf = await readFile(join(dir, f));
    bytes += buf.byteLength;
    gzipBytes += gzipSync(buf, { level: 6 }).byteLength;
  }
  return { bytes, gzipBytes };
}

/** The files of a tfjs model folder: model.json and the weight shards its manifest lists. */
export async function tfjsModelFiles(modelJsonPath: string, entry = 'model.json'): Promise<string[]> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
  // Each path is checked to stay in the model folder before anything is opened or counted.
  return [entry, ...(json.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => {
    weightFilePath(modelJsonPath, p);
    return p;
  }))];
}
