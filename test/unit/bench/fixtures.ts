/**
 * Shared fixtures of the bench tests: a tiny CNN as a tfjs artifact (built here) and as ONNX (committed, made by
 * test/fixtures/bench/make_onnx.py with the same closed-form weights), and small synthetic test data.
 */
import { mkdtemp, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTf } from '../../../src/runtime/backend.js';
import { saveLayersModelToDir } from '../../../src/runtime/model-io.js';
import { fileSetBytes } from '../../../src/bench/artifact-files.js';
import { createRng } from '../../../src/core/random.js';
import type { Artifact } from '../../../src/core/types.js';
import type { ModelRef, TestData } from '../../../src/bench/types.js';
import { MANIFEST_VERSION } from '../../../src/run-dir/manifest.js';
import { RUN_FILES } from '../../../src/run-dir/layout.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/bench');

/** The tfjs twin of tiny-cnn.onnx (see make_onnx.py for the weights' formulas). */
export async function buildTinyCnn() {
  const tf = await loadTf();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 10, name: 'logits' }),
    ],
  });
  const k = new Float32Array(3 * 3 * 2);
  for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let co = 0; co < 2; co++) k[(kh * 3 + kw) * 2 + co] = Math.sin(1 + kh * 3 + kw + co * 0.7) * 0.5;
  const w = new Float32Array(392 * 10);
  for (let i = 0; i < 392; i++) for (let j = 0; j < 10; j++) w[i * 10 + j] = Math.sin(i * 0.37 + j * 1.3) * 0.05;
  model.setWeights([
    tf.tensor4d(k, [3, 3, 1, 2]),
    tf.tensor1d([0, 0.01]),
    tf.tensor2d(w, [392, 10]),
    tf.tensor1d(Array.from({ length: 10 }, (_, j) => (j - 5) * 0.01)),
  ]);
  return model;
}

/** An {@link Artifact} record for files in `dir`. */
export async function artifactFor(format: Artifact['format'], dir: string, files: string[], extra: Partial<Artifact> = {}): Promise<Artifact> {
  return { format, precision: 'fp32', dir: '.', entry: files[0]!, files, ...(await fileSetBytes(dir, files)), layout: 'nhwc', ...extra };
}

/** Writes the tiny CNN as tfjs and copies the ONNX fixtures into a fresh temp folder. */
export async function tinyModels(): Promise<{ dir: string; tfjs: ModelRef; onnx: ModelRef; onnxB2: ModelRef }> {
  const root = await mkdtemp(join(tmpdir(), 'ed-bench-models-'));
  const tfjsDir = join(root, 'tfjs');
  const model = await buildTinyCnn();
  const files = await saveLayersModelToDir(model, tfjsDir);
  model.dispose();
  const onnxDir = join(root, 'onnx');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(onnxDir);
  await copyFile(join(FIXTURES, 'tiny-cnn.onnx'), join(onnxDir, 'model.onnx'));
  await copyFile(join(FIXTURES, 'tiny-cnn-b2.onnx'), join(onnxDir, 'model-b2.onnx'));
  const io = { inputName: 'input', outputName: 'logits' };
  return {
    dir: root,
    tfjs: { role: 'student', dir: tfjsDir, artifact: await artifactFor('tfjs', tfjsDir, files) },
    onnx: { role: 'student', dir: onnxDir, artifact: await artifactFor('onnx', onnxDir, ['model.onnx'], io) },
    onnxB2: { role: 'student', dir: onnxDir, artifact: await artifactFor('onnx', onnxDir, ['model-b2.onnx'], io) },
  };
}

/** `n` seeded random 28x28x1 images in [0, 1] with random labels. */
export function syntheticData(n = 20, seed = 7): TestData {
  const rng = createRng(seed);
  const x = new Float32Array(n * 784).map(() => rng());
  const y = new Int32Array(n).map(() => Math.floor(rng() * 10));
  return { x, y, n, shape: [28, 28, 1], classNames: Array.from({ length: 10 }, (_, i) => `c${i}`) };
}

/** A timing plan small enough for tests. */
export const QUICK_PLAN = { warmupIterations: 2, warmupMs: 0, minIterations: 5, minTimeMs: 20, maxTimeMs: 300, targetRelCi: 0.05, minSampleMs: 0 };

/** A small "teacher": wider than the student fixture, seeded initial weights (its accuracy is chance level). */
export async function buildTinyTeacher() {
  const tf = await loadTf();
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

/**
 * A run directory as the distill and export stages leave it: config.json (embedded MNIST, teacher path) and
 * export/manifest.json listing the tiny CNN as tfjs fp32 and ONNX fp32. `withExports: false` leaves export/ out.
 */
export async function makeRunDir(opts: { withExports?: boolean; classNames?: string[] } = {}): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const run = await mkdtemp(join(tmpdir(), 'ed-bench-run-'));
  const teacher = await buildTinyTeacher();
  await saveLayersModelToDir(teacher, join(run, 'teacher'));
  teacher.dispose();
  await writeFile(join(run, 'config.json'), JSON.stringify({ data: { spec: 'mnist', seed: 1234 }, teacher: { path: 'teacher/model.json' } }));
  if (opts.withExports === false) return run;
  const exp = join(run, 'export');
  const student = await buildTinyCnn();
  const files = await saveLayersModelToDir(student, join(exp, 'tfjs-fp32'));
  student.dispose();
  await mkdir(join(exp, 'onnx-fp32'), { recursive: true });
  await copyFile(join(FIXTURES, 'tiny-cnn.onnx'), join(exp, 'onnx-fp32', 'model.onnx'));
  const tfjsA = { ...(await artifactFor('tfjs', join(exp, 'tfjs-fp32'), files)), dir: 'tfjs-fp32' };
  const onnxA = { ...(await artifactFor('onnx', join(exp, 'onnx-fp32'), ['model.onnx'], { inputName: 'input', outputName: 'logits' })), dir: 'onnx-fp32' };
  // A manifest of the one schema the export stage writes; the parity block says plainly that nothing was compared.
  const parity = (a: { dir: string; bytes: number; gzipBytes: number }) => ({
    file: `${a.dir}/parity.json`, status: 'pass', rule: 'test fixture (test/unit/bench/fixtures.ts): nothing compared', inputs: 'none', samples: 0,
    reference: { runtime: 'none', accuracy: null }, runtimes: [],
    size: { bytes: a.bytes, gzipBytes: a.gzipBytes, fp32Bytes: a.bytes, fp32GzipBytes: a.gzipBytes, reduction: 0, gzipReduction: 0 },
  });
  const manifest = {
    version: MANIFEST_VERSION, createdBy: 'test/unit/bench/fixtures.ts', createdAt: new Date(0).toISOString(),
    source: { model: 'student/model.json', run: null, inputShape: [28, 28, 1], outputShape: [10], params: 0 },
    data: null, backend: 'cpu', policy: { tolerance: 1e-4, minAgreement: 0.8 },
    artifacts: [tfjsA, onnxA].map((a) => ({ ...a, parity: parity(a) })), skipped: [],
  };
  await writeFile(join(exp, RUN_FILES.manifest), JSON.stringify(manifest, null, 2));
  return run;
}
