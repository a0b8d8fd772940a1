import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset, tmp } from '../../helpers/tiny.js';
import { pickCandidate, topCandidates, trainCandidates, type CandidateChoice } from '../../../src/distill/candidates.js';
import { distill } from '../../../src/distill/index.js';
import { trainStudent } from '../../../src/train/trainer.js';
import { predictSplit, agreementOf } from '../../../src/train/evaluate.js';
import { mlpFamily } from '../../../src/students/mlp.js';
import { TrainConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/core/progress.js';
import { loadLayersModelFromFile } from '../../../src/runtime/model-io.js';
import { countParams } from '../../../src/students/layers.js';
import { openDataset } from '../../../src/data/index.js';

before(() => useBackend('wasm'));

test('topCandidates: the K largest by parameters, largest first', () => {
  const rows = [{ paramCount: 5 }, { paramCount: 50 }, { paramCount: 20 }, { paramCount: 7 }];
  assert.deepEqual(topCandidates(rows, 2).map((r) => r.paramCount), [50, 20]);
  assert.deepEqual(topCandidates(rows, 9).map((r) => r.paramCount), [50, 20, 7, 5]);
});

test('pickCandidate: highest val accuracy among those that still fit; a tie goes to the smaller; none usable → undefined', () => {
  const r = (paramCount: number, valAccuracy: number | null, fits = true) => ({ paramCount, valAccuracy, fits });
  assert.equal(pickCandidate([r(100, 0.8), r(90, 0.85), r(80, 0.84)])!.paramCount, 90);
  assert.equal(pickCandidate([r(100, 0.9, false), r(90, 0.85), r(80, 0.84)])!.paramCount, 90, 'one that no longer fits is passed over');
  assert.equal(pickCandidate([r(100, 0.85), r(90, 0.85)])!.paramCount, 90, 'tie: fewer parameters');
  assert.equal(pickCandidate([r(100, null), r(90, 0.1)])!.paramCount, 90, 'a diverged one is passed over');
  assert.equal(pickCandidate([r(100, null), r(90, 0.9, false)]), undefined);
});

const io = { inputShape: [8, 8, 1], numClasses: 3 };
const train = TrainConfig.parse({ epochs: 2, batchSize: 16, learningRate: 0.01, seed: 5 });
const choices: CandidateChoice[] = [{ hidden: 16, depth: 1 }, { hidden: 4, depth: 1 }].map((params) => {
  const m = mlpFamily.build(params, io, 1);
  const paramCount = countParams(m);
  m.dispose();
  return { params, description: mlpFamily.describe(params), paramCount, bytes: 4 * paramCount };
});

test('trainCandidates: trains each, keeps the best on val (checked against a fresh prediction of the kept model), and a resumed run does not retrain finished candidates', async () => {
  const data = bandDataset();
  const out = tmp('ed-cands-');
  let trained = 0;
  const trainOne = (crashAt?: number) => async (s: tf.LayersModel, checkpointDir: string) => {
    trained++;
    if (trained === crashAt) throw new Error('simulated crash');
    return trainStudent({ student: s, data, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train, checkpointDir, log: silentLogger, quiet: true });
  };
  // First attempt dies while training the second candidate.
  await assert.rejects(trainCandidates({ family: mlpFamily, io, candidates: choices, seed: 5, train: trainOne(2), out, log: silentLogger }), /simulated crash/);
  assert.ok(existsSync(join(out, 'candidates', '1', 'result.json')));
  assert.ok(!existsSync(join(out, 'candidates.json')));
  trained = 0;
  const r = await trainCandidates({ family: mlpFamily, io, candidates: choices, seed: 5, train: trainOne(), out, log: silentLogger });
  assert.equal(trained, 1, 'only the unfinished candidate is trained again');
  assert.equal(r.rows.length, 2);
  const best = r.rows.reduce((a, b) => (b.valAccuracy! > a.valAccuracy! || (b.valAccuracy === a.valAccuracy && b.paramCount < a.paramCount) ? b : a));
  assert.equal(r.rows.filter((x) => x.chosen).length, 1);
  assert.equal(r.rows.find((x) => x.chosen)!.description, best.description);
  assert.deepEqual(r.params, best.params);
  assert.equal(countParams(r.student), best.paramCount);
  const { preds, labels } = await predictSplit(r.student, data, 'val');
  assert.equal(agreementOf(preds, labels), best.valAccuracy, 'the returned model is the one whose val accuracy was recorded');
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'candidates.json'), 'utf8')).map((x: { chosen: boolean }) => x.chosen), r.rows.map((x) => x.chosen));
  r.student.dispose();
});

test('trainCandidates: a candidate that no longer fits after training is not kept, even when it is the most accurate', async () => {
  const data = bandDataset();
  const out = tmp('ed-cands-');
  const r = await trainCandidates({
    family: mlpFamily, io, candidates: choices, seed: 5, out, log: silentLogger,
    train: (s, checkpointDir) => trainStudent({ student: s, data, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train, checkpointDir, log: silentLogger, quiet: true }),
    recheck: async (_s, c) => (c.description === 'hidden 16, depth 1' ? ['gzip bytes 9999 > 100'] : []),
  });
  assert.equal(r.rows.find((x) => x.chosen)!.description, 'hidden 4, depth 1');
  assert.deepEqual(r.rows.find((x) => !x.chosen)!.reasons, ['gzip bytes 9999 > 100']);
  r.student.dispose();
  await assert.rejects(
    trainCandidates({ family: mlpFamily, io, candidates: choices, seed: 5, out: tmp('ed-cands-'), log: silentLogger, train: (s, ck) => trainStudent({ student: s, data, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train, checkpointDir: ck, log: silentLogger, quiet: true }), recheck: async () => ['gzip bytes 9999 > 100'] }),
    /--candidates 2: no trained candidate is usable \(hidden 16, depth 1: gzip bytes 9999 > 100; hidden 4, depth 1: gzip bytes 9999 > 100\)/,
  );
});

test('distill --candidates 2 on mnist: trains the two largest that fit, keeps the better on val, records candidates.json, cleans up', async () => {
  const out = join(tmp('ed-cands-'), 'run');
  const r = await distill({
    config: { teacher: null, data: { spec: 'mnist', trainLimit: 256 }, student: { family: 'mlp', maxBytes: 30000, candidates: 2 }, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { epochs: 1, backend: 'wasm' } },
    out, quiet: true, log: silentLogger,
  });
  // 30,000 bytes of float32 fit hidden 8 at depths 1-3 (6,370 / 6,442 / 6,514 params): the two largest are depth 3 and 2.
  const rows = r.metrics.architecture.trained!;
  assert.deepEqual(rows.map((x) => x.paramCount), [6514, 6442]);
  const kept = rows.find((x) => x.chosen)!;
  assert.equal(r.metrics.architecture.description, kept.description);
  assert.equal(r.metrics.architecture.paramCount, kept.paramCount);
  assert.ok(kept.valAccuracy! >= Math.max(...rows.map((x) => x.valAccuracy ?? 0)));
  // Independent check: the saved student's val accuracy, recomputed from its files.
  const tf = await import('@tensorflow/tfjs');
  const saved = await loadLayersModelFromFile(tf, join(out, 'student', 'model.json'));
  const data = await openDataset('mnist', { seed: 1234 });
  const { preds, labels } = await predictSplit(saved, data, 'val');
  assert.equal(agreementOf(preds, labels), kept.valAccuracy);
  saved.dispose();
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'candidates.json'), 'utf8')), rows);
  assert.ok(!existsSync(join(out, 'candidates')), 'per-candidate models are removed when the run finishes');
});
