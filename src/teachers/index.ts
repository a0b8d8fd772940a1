import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { UserError, listOf } from '../core/errors.js';
import { createRegistry, type Named } from '../core/registry.js';
import { TeacherConfig, type TeacherConfigInput } from '../config/schema.js';
import { validate } from '../config/load.js';
import type { TeacherModel } from './model.js';
import { ModelTeacher } from './model-teacher.js';

/** A kind of teacher file. Adding one: a file that opens it as a {@link TeacherModel}, a line below, a test. */
export interface TeacherKind extends Named {
  name: string;
  description: string;
  /** True when `file` is of this kind (`json` is the parsed file for .json files, else undefined). */
  detect(file: string, json: { format?: string } | undefined): boolean;
  open(file: string): Promise<TeacherModel>;
}

/** The teacher kinds, by name. Heavy runtimes (onnxruntime-node) are imported only when their kind opens a file. */
export const teacherKinds = createRegistry<TeacherKind>('teacher kind');
teacherKinds.register({
  name: 'layers-model',
  description: 'tfjs LayersModel model.json (Keras-style layers; taps are layer names)',
  detect: (_f, json) => json !== undefined && json.format !== 'graph-model',
  open: async (f) => (await import('./layers-teacher.js')).openLayersModel(f),
});
teacherKinds.register({
  name: 'graph-model',
  description: 'tfjs GraphModel model.json from the tfjs converter (taps are node names)',
  detect: (_f, json) => json?.format === 'graph-model',
  open: async (f) => (await import('./graph-model.js')).openGraphModel(f),
});
teacherKinds.register({
  name: 'onnx',
  description: 'ONNX file run by onnxruntime-node (taps are tensor names; NCHW or NHWC)',
  detect: (f, json) => json === undefined && extname(f).toLowerCase() === '.onnx',
  open: async (f) => (await import('./onnx/index.js')).openOnnxModel(f),
});

const EXPECTED = 'a tfjs model.json (LayersModel or GraphModel) or an .onnx file';

/** The file a --teacher path names: the path itself, or the one model.json / .onnx inside a folder. */
export function teacherFile(path: string): string {
  if (!path) throw new UserError(`--teacher: missing; give ${EXPECTED} (no teacher yet? train one with edge-distill train-teacher)`);
  if (!existsSync(path)) throw new UserError(`--teacher ${path}: file not found; expected ${EXPECTED} (train one with edge-distill train-teacher)`);
  if (!statSync(path).isDirectory()) return path;
  if (existsSync(join(path, 'model.json'))) return join(path, 'model.json');
  const onnx = readdirSync(path).filter((f) => f.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 1) return join(path, onnx[0]!);
  throw new UserError(`--teacher ${path}: a folder without model.json${onnx.length > 1 ? ` and with several .onnx files [${onnx.join(', ')}]` : ' or .onnx file'}; give the file itself`);
}

/** Which kind a teacher file is (model.json is read to tell LayersModel from GraphModel). */
export async function detectKind(file: string): Promise<TeacherKind> {
  let json: { format?: string } | undefined;
  if (extname(file).toLowerCase() === '.json') {
    try {
      json = JSON.parse(await readFile(file, 'utf8')) as { format?: string };
    } catch (e) {
      throw new UserError(`--teacher ${file}: not valid JSON (${(e as Error).message}); expected ${EXPECTED}`);
    }
  }
  const kind = teacherKinds.all().find((k) => k.detect(file, json));
  if (!kind) throw new UserError(`--teacher ${file}: unsupported teacher file (expected ${EXPECTED}; kinds: ${listOf(teacherKinds.names())})`);
  return kind;
}

/**
 * Loads a teacher: a tfjs LayersModel or GraphModel model.json, or an ONNX file (a folder holding one works too),
 * with its layout, output, output kind and preprocessing from `spec` (a path alone takes the defaults). Missing or
 * truncated files, and models a teacher cannot be made of, are UserErrors naming the file.
 */
export async function loadTeacher(spec: string | TeacherConfigInput): Promise<ModelTeacher> {
  const config = validate(TeacherConfig, typeof spec === 'string' ? { path: spec } : spec, 'teacher');
  const file = teacherFile(config.path);
  const model = await (await detectKind(file)).open(file);
  return ModelTeacher.create(model, config);
}

export { ModelTeacher } from './model-teacher.js';
