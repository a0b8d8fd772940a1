import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { FORMS, TEACHERS } from '../../helpers/fixtures.js';
import { bandDataset, tmp } from '../../helpers/tiny.js';
import { saveAsGraphModel } from '../../helpers/graph-model-writer.js';
import { loadTeacher, teacherKinds } from '../../../src/teachers/index.js';
import { rowsAreProbabilities } from '../../../src/teachers/probs.js';
import { resolveLayout } from '../../../src/teachers/layout.js';
import { softKl } from '../../../src/losses/soft-kl.js';
import { checkTeacherData } from '../../../src/distill/index.js';
import { checkLossShapes } from '../../../src/train/loss-check.js';
import { studentFamilies } from '../../../src/students/index.js';
import { loadLayersModelFromFile } from '../../../src/runtime/model-io.js';
import { UserError } from '../../../src/core/errors.js';

before(() => useBackend('wasm'));

/** Asserts `p` rejects with a one-line UserError matching `re`. */
async function rejectsUser(p: Promise<unknown>, re: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.match(e.message, re);
    return true;
  });
}

test('teacher kinds are a registry: layers-model, graph-model, onnx', () => {
  assert.deepEqual(teacherKinds.names(), ['layers-model', 'graph-model', 'onnx']);
});

test('probabilities are detected (last op Softmax, or rows summing to 1) and turned into logits soft-kl treats like the raw logits', async () => {
  const logits = await loadTeacher(FORMS.onnx.path);
  const softmax = await loadTeacher(join(TEACHERS, 'tiny-softmax.onnx'));
  const manual = await loadTeacher(join(TEACHERS, 'tiny-manual-softmax.onnx'));
  assert.deepEqual([logits.outputKind.kind, softmax.outputKind.kind, manual.outputKind.kind], ['logits', 'probs', 'probs']);
  assert.match(softmax.outputKind.how, /last op Softmax/);
  assert.match(manual.outputKind.how, /rows of a probe batch sum to 1; last op Div/);
  const x = tf.randomUniform([8, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  const s = tf.randomNormal([8, 3], 0, 1, 'float32', 5);
  const [a, b, c] = await Promise.all([logits, softmax, manual].map((t) => t.forward(x, [])));
  for (const T of [1, 4]) {
    const ref = softKl(s, a!.logits, T).dataSync()[0]!;
    assert.ok(Math.abs(softKl(s, b!.logits, T).dataSync()[0]! - ref) < 1e-5, `softmax teacher at T=${T}`);
    assert.ok(Math.abs(softKl(s, c!.logits, T).dataSync()[0]! - ref) < 1e-5, `manual-softmax teacher at T=${T}`);
  }
  // Declaring the kind overrides detection.
  const declared = await loadTeacher({ path: join(TEACHERS, 'tiny-softmax.onnx'), outputs: 'logits' });
  assert.deepEqual(declared.outputKind, { kind: 'logits', how: 'declared' });
  tf.dispose([x, s, a!.logits, b!.logits, c!.logits]);
  for (const t of [logits, softmax, manual, declared]) t.dispose();
});

test('rowsAreProbabilities: hand-worked rows', () => {
  assert.equal(rowsAreProbabilities([0.2, 0.8, 0.5, 0.5], 2, 2), true);
  assert.equal(rowsAreProbabilities([0.2, 0.8, 0.5, 0.6], 2, 2), false);
  assert.equal(rowsAreProbabilities([1.5, -0.5], 1, 2), false, 'sums to 1 but is not a distribution');
});

test('a GraphModel ending in Softmax is read as probabilities; --teacher-output picks the logits node before it', async () => {
  const m = await loadLayersModelFromFile(tf, FORMS.layers.path);
  const probs = tf.sequential({ layers: [...m.layers, tf.layers.softmax({ name: 'probs' })] });
  const dir = tmp();
  await saveAsGraphModel(probs, dir);
  const t = await loadTeacher(join(dir, 'model.json'));
  assert.deepEqual([t.outputKind.kind, t.outputKind.how], ['probs', 'last op Softmax']);
  const pre = await loadTeacher({ path: join(dir, 'model.json'), output: 'fc/BiasAdd' });
  assert.equal(pre.outputKind.kind, 'logits');
  const x = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
  const [a, b] = [await t.forward(x, []), await pre.forward(x, [])];
  // log softmax(z) and z differ by a per-row constant only.
  const d = tf.sub(a.logits, b.logits).arraySync() as number[][];
  for (const row of d) assert.ok(Math.max(...row) - Math.min(...row) < 1e-5);
  tf.dispose([x, a.logits, b.logits]);
  t.dispose();
  pre.dispose();
  m.dispose();
});

test('preprocessing feeds the teacher (x·scale − mean) / std', async () => {
  const plain = await loadTeacher(FORMS.onnx.path);
  const pre = await loadTeacher({ path: FORMS.onnx.path, preprocess: { scale: 2, mean: [0.5], std: [4] } });
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const xp = tf.div(tf.sub(tf.mul(x, 2), 0.5), 4) as tf.Tensor4D;
  const [a, b] = [await pre.forward(x, []), await plain.forward(xp, [])];
  assert.deepEqual(Array.from(await a.logits.data()), Array.from(await b.logits.data()));
  await rejectsUser(loadTeacher({ path: FORMS.onnx.path, preprocess: { scale: 1, mean: [0.1, 0.2] } }), /teacher.preprocess.mean has 2 values but the teacher takes 1 channels/);
  tf.dispose([x, xp, a.logits, b.logits]);
  plain.dispose();
  pre.dispose();
});

test('layout: NCHW guessed from [N, 1, 8, 8]; ambiguous shapes ask for --teacher-layout; a wrong declaration is caught with a hint', async () => {
  const info = (shape: (number | string)[]) => ({ name: 'x', shape });
  assert.equal(resolveLayout('auto', undefined, info(['N', 3, 224, 224]), 'm').layout, 'nchw');
  assert.equal(resolveLayout('auto', undefined, info(['N', 224, 224, 3]), 'm').layout, 'nhwc');
  assert.throws(() => resolveLayout('auto', undefined, info(['N', 3, 8, 3]), 'm'), /cannot tell whether the input x \[N, 3, 8, 3\] is NCHW or NHWC; declare it with --teacher-layout/);
  assert.throws(() => resolveLayout('auto', undefined, info(['N', 784]), 'm'), /has shape \[N, 784\]; expected an image batch/);
  // Declared NHWC, the [N, 1, 8, 8] file takes h=1, w=8, c=8: the 8x8x1 data does not fit, and the hint says why.
  const t = await loadTeacher({ path: FORMS.onnx.path, layout: 'nhwc' });
  assert.throws(() => checkTeacherData(t, bandDataset()), /takes inputs \[1, 8, 8\] but bands has \[8, 8, 1\] \(h, w, c\).*try --teacher-layout nchw/);
  t.dispose();
});

test('an ONNX file taking NHWC input is detected as NHWC and fed without a transpose', async () => {
  const nhwc = await loadTeacher(join(TEACHERS, 'tiny-nhwc.onnx'));
  const nchw = await loadTeacher(FORMS.onnx.path);
  assert.equal(nhwc.layout, 'nhwc');
  assert.deepEqual(nhwc.inputShape, [8, 8, 1]);
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const [a, b] = [await nhwc.forward(x, []), await nchw.forward(x, [])];
  assert.deepEqual(Array.from(await a.logits.data()), Array.from(await b.logits.data()));
  tf.dispose([x, a.logits, b.logits]);
  nhwc.dispose();
  nchw.dispose();
});

test('a file with open height/width needs --teacher-input-shape, which must agree with the dims it fixes', async () => {
  const path = join(TEACHERS, 'tiny-dynamic.onnx');
  await rejectsUser(loadTeacher(path), /leaves its input size open \(\[batch, 1, height, width\]\); give it with --teacher-input-shape HxWxC/);
  await rejectsUser(loadTeacher({ path, inputShape: [8, 8, 3] }), /teacher.inputShape \[8, 8, 3\] disagrees with the file's input \[batch, 1, height, width\]/);
  const t = await loadTeacher({ path, inputShape: [8, 8, 1] });
  const ref = await loadTeacher(FORMS.onnx.path);
  const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const [a, b] = [await t.forward(x, []), await ref.forward(x, [])];
  assert.deepEqual(Array.from(await a.logits.data()), Array.from(await b.logits.data()));
  tf.dispose([x, a.logits, b.logits]);
  t.dispose();
  ref.dispose();
});

test('bad ONNX files: not ONNX, truncated, several outputs, unknown or integer taps', async () => {
  const dir = tmp();
  const notOnnx = join(dir, 'model.onnx');
  writeFileSync(notOnnx, JSON.stringify({ hello: 'this is JSON, not a protobuf' }));
  await rejectsUser(loadTeacher(notOnnx), /model.onnx: not an ONNX model, or truncated \(protobuf decoding failed/);
  const bytes = readFileSync(FORMS.onnx.path);
  const cut = join(dir, 'cut.onnx');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await rejectsUser(loadTeacher(cut), /cut.onnx: not an ONNX model, or truncated/);
  const empty = join(dir, 'empty.onnx');
  writeFileSync(empty, new Uint8Array(0));
  await rejectsUser(loadTeacher(empty), /empty.onnx: not an ONNX model, or truncated \(no graph/);
  const t = await loadTeacher(FORMS.onnx.path);
  await rejectsUser(t.forward(tf.zeros([1, 8, 8, 1]), ['/act2/Relu']), /tap "\/act2\/Relu" is not a tensor of this onnx \(nearest: \/act2\/Relu_output_0/);
  await rejectsUser(t.forward(tf.zeros([1, 8, 8, 1]), ['/Concat_output_0']), /tap "\/Concat_output_0" \(Concat\) cannot be tapped: int64 values, not float32 features/);
  await rejectsUser(loadTeacher({ path: FORMS.onnx.path, output: '/fc/Gemm' }), /--teacher-output "\/fc\/Gemm" is not a tensor/);
  t.dispose();
  copyFileSync(FORMS.onnx.path, join(dir, 'dir-teacher.onnx'));
  const viaDir = await loadTeacher(dir).catch((e: Error) => e);
  assert.ok(viaDir instanceof UserError && /several \.onnx files/.test(viaDir.message));
});

test('bad GraphModel taps and outputs list the nearest names; fused-away nodes say where they went', async () => {
  await rejectsUser(loadTeacher({ path: FORMS.graph.path, output: 'fc/Biasadd' }), /--teacher-output "fc\/Biasadd" is not a tensor of this graph-model \(nearest: fc\/BiasAdd.*values a converter fused into another op are not tap-able/);
  const t = await loadTeacher(FORMS.graph.path);
  await rejectsUser(t.forward(tf.zeros([1, 8, 8, 1]), ['conv2/relu']), /tap "conv2\/relu" is not a tensor of this graph-model \(nearest: conv2\/Relu/);
  await rejectsUser(t.forward(tf.zeros([1, 8, 8, 1]), ['conv1/BiasAdd']), /tap "conv1\/BiasAdd" \(BiasAdd\) cannot be tapped: fused into conv1\/Relu \(_FusedConv2D: Conv2D\+BiasAdd\+Relu\) by the converter; tap conv1\/Relu instead/);
  await rejectsUser(t.forward(tf.zeros([1, 8, 8, 1]), ['conv1/Conv2D/ReadVariableOp']), /cannot be tapped: a constant \(weights\)/);
  t.dispose();
});

test('a teacher tap whose shape feature-mse cannot match is refused before training, naming the tap', async () => {
  const t = await loadTeacher(FORMS.onnx.path);
  const student = studentFamilies.get('mlp').build({ hidden: 8, depth: 1 }, { inputShape: [8, 8, 1], numClasses: 3 }, 1);
  const loss = (teacher: string) => ({ terms: [{ kind: 'feature-mse', weight: 1, student: 'penultimate', teacher }] });
  await rejectsUser(checkLossShapes(student, t, loss('/Reshape_output_0'), 3), /feature-mse penultimate→\/Reshape_output_0: teacher tap has shape \[8,16\]; feature-mse needs \[h, w, c\] or \[c\].*edge-distill inspect --teacher/);
  assert.equal(await checkLossShapes(student, t, loss('/act2/Relu_output_0'), 3), true);
  student.dispose();
  t.dispose();
});
