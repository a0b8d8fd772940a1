/** TensorFlow.js in this Node process: the cpu, wasm and tensorflow (tfjs-node) backends. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadTf } from '../../runtime/backend.js';
import { readModelArtifacts } from '../../runtime/model-io.js';
import { imagesFor, sampleShape } from '../layout.js';
import { localSession, timed } from '../local-session.js';
import type { ProbeResult, Runner } from '../types.js';
import { openTfjsModel } from './tfjs-model.js';

const require = createRequire(import.meta.url);

/** Which tfjs-node flavour is installed, if any (both register the `tensorflow` backend). */
function tfjsNodePackage(): string | undefined {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
      return pkg;
    } catch {
      // not installed: try the next one
    }
  }
  return undefined;
}

/** Loads the backend's package and makes it the active tfjs backend; returns how long that took. */
async function activate(backend: string): Promise<number> {
  const tf = await loadTf();
  const t0 = performance.now();
  if (backend === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    // Training in this process may have replaced some wasm kernels with faster ones that a deployed app does not
    // have (a SIMD Mean, for one): measure the stock ones.
    const { restoreStockWasmKernels } = await import('../../runtime/wasm-training/index.js');
    restoreStockWasmKernels(tf);
  }
  if (backend === 'tensorflow') require(tfjsNodePackage()!);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend "${backend}" failed to initialise`);
  await tf.ready();
  // As deployed apps run it; in tfjs 4.22 prod mode only silences warnings (the "install tfjs-node" banner).
  tf.enableProdMode();
  return performance.now() - t0;
}

/** Runner for tfjs targets on the node host. */
export const nodeTfjsRunner: Runner = {
  name: 'node-tfjs',
  host: 'node',
  runtime: 'tfjs',
  backends: ['cpu', 'wasm', 'tensorflow'],

  async probe(target): Promise<ProbeResult> {
    if (target.backend === 'tensorflow' && !tfjsNodePackage()) {
      return {
        ok: false,
        reason: '@tensorflow/tfjs-node is not installed (its install downloads libtensorflow, which this machine cannot reach)',
      };
    }
    try {
      await activate(target.backend);
    } catch (e) {
      return { ok: false, reason: `tfjs ${target.backend} backend unavailable: ${(e as Error).message.split('\n')[0]}` };
    }
    return { ok: true, device: { description: `Node ${process.version}, ${process.arch}`, softwareEmulated: false } };
  },

  async open(ref, target, ctx) {
    const tf = await loadTf();
    const runtimeInitMs = await activate(target.backend);
    const { data } = ctx;
    const x = imagesFor(ref.artifact.layout, data.x, data.n, data.shape);
    const shape = sampleShape(ref.artifact.layout, data.shape);
    const per = shape.reduce((a, b) => a * b, 1);
    // Cold load: read the files, build the model on the backend, run the first inference.
    const { value: model, ms: coldLoadMs } = await timed(async () => {
      const artifacts = await readModelArtifacts(join(ref.dir, ref.artifact.entry));
      const m = await openTfjsModel(tf, artifacts, shape);
      const input = m.makeInput(x.slice(0, per), 1);
      await m.run(input);
      m.disposeInput(input);
      return m;
    });
    const notes = [];
    if (target.backend === 'wasm' && target.threads > 1) notes.push('tfjs runs the wasm backend single-threaded under Node: threads ignored');
    if (target.backend !== 'wasm' && target.threads > 1) notes.push(`threads has no effect on the tfjs ${target.backend} backend`);
    return localSession(
      model,
      { runtimeVersion: `tfjs ${tf.version.tfjs} (${target.backend})`, runtimeInitMs, coldLoadMs, notes },
      x,
      per,
      data.n,
    );
  },
};
