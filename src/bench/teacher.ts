/**
 * The teacher as benchmark models: its tfjs model.json as is (tfjs targets), and, when the export stage can convert
 * it, an ONNX fp32 export (onnxruntime targets).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Artifact } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { fileSetBytes, tfjsModelFiles } from './artifact-files.js';
import type { DataSpec } from '../config/schema.js';
import type { ModelRef } from './types.js';
import { isIdentity } from '../teachers/preprocess.js';
import type { TeacherKind } from '../teachers/index.js';
import type { TeacherConfig } from '../config/schema.js';

/**
 * The teachers layer's kind of the run's teacher file (a {@link TeacherKind} name: layers-model, graph-model, onnx),
 * detected where the distill stage detects it. tfjs models run as they are on tfjs targets; LayersModels are exported
 * to ONNX for onnxruntime targets, GraphModels cannot be (the export stage converts LayersModels); ONNX files run as
 * they are on onnxruntime targets and cannot run on tfjs ones.
 */
export async function teacherKindOf(path: string): Promise<TeacherKind['name']> {
  // Lazily: the teachers layer's index pulls in tfjs.
  const { detectKind } = await import('../teachers/index.js');
  try {
    return (await detectKind(path)).name;
  } catch (e) {
    // detectKind reads a model.json to tell the tfjs kinds apart; a missing teacher.path is reported as missing.
    if (!existsSync(path)) throw missingTeacher(path);
    if (e instanceof UserError) throw new UserError(`${e.message} (teacher.path in the run's config.json)`, { cause: e });
    throw e;
  }
}

/** Why a teacher of kind `kind` (a {@link TeacherKind} name) has no rows on targets of `runtime`, or undefined when it runs there. */
export function teacherSkipReason(kind: TeacherKind['name'], runtime: string): string | undefined {
  if (kind === 'onnx' && runtime === 'tfjs') return 'the teacher is an ONNX file; tfjs cannot run it (its rows are on the onnxruntime targets)';
  if (kind === 'graph-model' && runtime === 'onnxruntime') return 'the teacher is a tfjs GraphModel, which the export stage cannot convert to ONNX (its rows are on the tfjs targets)';
  return undefined;
}

const missingTeacher = (path: string) =>
  new UserError(`${path}: teacher model not found (from teacher.path in the run's config.json); restore it or fix the path`);

/** The teacher's preprocessing (x · scale − mean[c]) / std[c], as the run's config.json records it. */
export type TeacherPreprocess = TeacherConfig['preprocess'];

/**
 * The run's teacher preprocessing (`teacher.preprocess` in config.json), or undefined when it changes nothing. The
 * bench feeds the teacher what the distill stage fed it, on every runtime (an ONNX export takes the same input).
 */
export function teacherPreprocessOf(teacher: Record<string, unknown>): TeacherPreprocess | undefined {
  const raw = teacher.preprocess as Partial<TeacherPreprocess> | undefined;
  if (!raw) return undefined;
  const p = { scale: raw.scale ?? 1, ...(raw.mean ? { mean: raw.mean } : {}), ...(raw.std ? { std: raw.std } : {}) };
  return isIdentity(p) ? undefined : p;
}

/** An ONNX teacher file as a benchmark model, or why it cannot be measured. */
export type TeacherOnnxFile = { ok: true; ref: ModelRef } | { ok: false; reason: string };

/**
 * The ONNX teacher itself (not an export) as a model for onnxruntime targets, opened with the run's teacher settings
 * (layout, output, input shape) by the same loader the distill stage used. Only a teacher whose class
 * scores are the file's first output can be measured: the runners read the first output.
 */
export async function teacherOnnxFile(teacher: Record<string, unknown> & { path: string }): Promise<TeacherOnnxFile> {
  const { loadTeacher } = await import('../teachers/index.js');
  let t;
  try {
    t = await loadTeacher(teacher as never);
  } catch (e) {
    return { ok: false, reason: `the ONNX teacher could not be opened (${firstLineOf(e)})` };
  }
  try {
    const model = t.model as { outputs: { name: string }[]; path?: string };
    const first = model.outputs[0]?.name;
    if (t.output !== first) return { ok: false, reason: `the teacher's class scores are output ${t.output}, not the file's first output (${String(first)}); the runners read the first` };
    const file = model.path ?? teacher.path;
    const dir = dirname(file);
    const files = [basename(file)]; // the loader refuses external-data files, so the model is one file
    const artifact: Artifact = { format: 'onnx', precision: 'fp32', dir: '.', entry: basename(file), files, ...(await fileSetBytes(dir, files)), layout: t.layout };
    return { ok: true, ref: { role: 'teacher', artifact, dir } };
  } finally {
    t.dispose();
  }
}

/** (x · scale − mean[c]) / std[c] over n NHWC images with c channels (a new array; mean/std of length 1 apply to all). */
export function preprocessImages(x: Float32Array, channels: number, p: TeacherPreprocess): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    const m = p.mean ? p.mean[p.mean.length === 1 ? 0 : c]! : 0;
    const s = p.std ? p.std[p.std.length === 1 ? 0 : c]! : 1;
    out[i] = (x[i]! * p.scale - m) / s;
  }
  return out;
}

const firstLineOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The teacher's tfjs model as a {@link ModelRef} (fp32, NHWC, as the distill stage read it). */
export async function teacherTfjs(modelJsonPath: string): Promise<ModelRef> {
  if (!existsSync(modelJsonPath)) throw missingTeacher(modelJsonPath);
  const dir = dirname(modelJsonPath);
  const files = await tfjsModelFiles(modelJsonPath, basename(modelJsonPath));
  for (const f of files) if (!existsSync(join(dir, f))) throw new UserError(`${modelJsonPath}: weight file ${f} is missing next to it`);
  const artifact: Artifact = { format: 'tfjs', precision: 'fp32', dir: '.', entry: basename(modelJsonPath), files, ...(await fileSetBytes(dir, files)), layout: 'nhwc' };
  return { role: 'teacher', artifact, dir };
}

/** The export stage's API as this module uses it (src/export/index.ts). */
export interface ExportApi {
  exportModel(opts: {
    model: string;
    out: string;
    formats: string[];
    precisions: string[];
    data?: { spec: string; seed?: number; inputShape?: number[]; mean?: number[]; std?: number[] };
    log?: Logger;
  }): Promise<{ artifacts: Artifact[] }>;
}

/** An ONNX teacher, or why there is none; `cleanup` removes the temporary export. */
export type TeacherOnnx = { ok: true; ref: ModelRef; cleanup: () => Promise<void> } | { ok: false; reason: string };

/** Loads the export stage lazily (it pulls in onnxruntime); injectable so tests can stand in for it. */
export async function loadExportApi(): Promise<ExportApi> {
  return (await import('../export/index.js')) as ExportApi;
}

/**
 * Exports the teacher to ONNX fp32 with the export stage, into a temporary folder. When the export stage cannot
 * convert the teacher, the teacher's rows on onnxruntime targets are "skipped: teacher has no ONNX export (...)".
 */
export async function teacherOnnx(modelJsonPath: string, data: DataSpec, log: Logger, loadApi = loadExportApi): Promise<TeacherOnnx> {
  const api = await loadApi();
  const tmp = await mkdtemp(join(tmpdir(), 'edge-distill-teacher-onnx-'));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  const out = join(tmp, 'export');
  const spec = {
    spec: data.spec,
    seed: data.seed,
    ...(data.inputShape ? { inputShape: data.inputShape } : {}),
    ...(data.mean ? { mean: data.mean } : {}),
    ...(data.std ? { std: data.std } : {}),
  };
  try {
    log.info('bench: exporting the teacher to ONNX for the onnxruntime targets');
    const manifest = await api.exportModel({ model: modelJsonPath, out, formats: ['onnx'], precisions: ['fp32'], data: spec, log });
    const a = manifest.artifacts.find((x) => x.format === 'onnx' && x.precision === 'fp32');
    if (!a) {
      await cleanup();
      return { ok: false, reason: 'teacher has no ONNX export (the export stage produced no onnx/fp32 artifact)' };
    }
    return { ok: true, ref: { role: 'teacher', artifact: a, dir: join(out, a.dir) }, cleanup };
  } catch (e) {
    await cleanup();
    return { ok: false, reason: `teacher has no ONNX export (the export stage failed: ${(e as Error).message.split('\n')[0]})` };
  }
}
