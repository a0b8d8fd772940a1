/**
 * A training worker (a worker_thread started by ./pool.ts): its own tfjs backend (wasm with this project's training
 * kernels), a copy of the student and of the loss, and at each step the gradients of its slice of the batch at the
 * weights the main thread shares, written into its gradient buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as tfType from '@tensorflow/tfjs';
import { initBackend, loadTf } from '../../runtime/backend.js';
import { simdUnavailableReason } from '../../runtime/wasm-training/index.js';
import { buildStudentLoss, lossAndGradients, type LossBatch } from '../student-loss.js';
import type { FromWorker, StepMessage, TensorData, ToWorker, WorkerSetup } from './protocol.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

async function start(): Promise<void> {
  await initBackend(setup.backend);
  const tf = await loadTf();
  const toTensor = (t: TensorData) => tf.tensor(t.data, t.shape, t.dtype);
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(setup.topology) });
  const initial = setup.weights.map(toTensor);
  model.setWeights(initial);
  tf.dispose(initial);
  const sl = buildStudentLoss(model, setup.loss, { numClasses: setup.numClasses, seed: setup.seed, partialLabels: setup.partialLabels, teacherShapes: new Map(setup.teacherShapes) });
  const vars = [...model.trainableWeights.map((w) => w.read() as tfType.Variable), ...sl.trainables];
  const same = vars.length === setup.slots.length && vars.every((v, i) => v.shape.join() === setup.slots[i]!.shape.join());
  if (!same) throw new Error(`the worker's copy of the student has variables [${vars.map((v) => v.shape.join('x')).join(', ')}], the main thread's [${setup.slots.map((s) => s.shape.join('x')).join(', ')}]`);
  const params = new Float32Array(setup.params);
  const grads = new Float32Array(setup.grads);
  let steps = 0;

  const step = (m: StepMessage): FromWorker => {
    steps++;
    const fault = setup.fault;
    if (fault && fault.worker === setup.index && fault.step === steps) {
      if (fault.kind === 'exit') process.exit(3);
      throw new Error(`injected fault at step ${steps}`);
    }
    tf.tidy(() => setup.slots.forEach((s, i) => vars[i]!.assign(tf.tensor(params.slice(s.offset, s.offset + s.size), s.shape))));
    const n = m.x.shape[0]!;
    const batch: LossBatch = {
      x: toTensor(m.x) as tfType.Tensor4D,
      y: toTensor(m.y) as tfType.Tensor1D,
      teacher: m.teacher ? { logits: toTensor(m.teacher.logits), features: Object.fromEntries(m.teacher.features.map(([k, t]) => [k, toTensor(t)])) } : undefined,
      // perm is not read when partner is given (the partners may lie outside this slice).
      mix: m.mix ? { perm: Int32Array.from({ length: n }, (_, i) => i), lambda: m.mix.lambda, partner: m.mix.partner } : undefined,
    };
    const { value, grads: g, parts } = lossAndGradients(sl, vars, batch);
    g.forEach((t, i) => grads.set(t.dataSync() as Float32Array, setup.slots[i]!.offset));
    const out: FromWorker = { type: 'grads', value: value.dataSync()[0]!, parts: Object.entries(parts).map(([k, t]) => [k, t.dataSync()[0]!]) };
    tf.dispose([value, ...g, ...Object.values(parts), batch.x, batch.y, ...(batch.teacher ? [batch.teacher.logits, ...Object.values(batch.teacher.features)] : [])]);
    return out;
  };

  port.on('message', (m: ToWorker) => {
    try {
      if (m.type === 'step') send(step(m));
      else send({ type: 'state', weights: setup.stateIndices.map((i) => model.weights[i]!.read().dataSync() as Float32Array) });
    } catch (e) {
      send({ type: 'error', message: (e as Error).message ?? String(e) });
    }
  });
  send({ type: 'ready', backend: tf.getBackend(), simd: tf.getBackend() === 'wasm' && simdUnavailableReason() === undefined });
}

start().catch((e: unknown) => send({ type: 'error', message: `could not start: ${(e as Error).message ?? String(e)}` }));
