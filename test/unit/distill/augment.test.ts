import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../helpers/backend.js';
import { bandDataset, saveTinyModel, tmp } from '../../helpers/tiny.js';
import { distill, resolveDistillConfig } from '../../../src/distill/index.js';
import { planTeacherOutputs } from '../../../src/distill/teacher-outputs.js';
import { UserError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/progress.js';
import type { ModelTeacher } from '../../../src/teachers/index.js';
import { FUNCTION_MATCHING_EPOCHS } from '../../../src/config/recipes.js';
import { TRAIN_DEFAULTS } from '../../../src/config/schema.js';

before(() => useBackend('wasm'));

/** A UserError whose message matches `re`. */
const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);
const RESOLVED = [{ op: 'crop', pad: 4, fill: 'reflect' }, { op: 'flip', p: 0.5 }, { op: 'mixup', alpha: 0.5 }];

test('config: train.augment defaults to none; a config file\'s ops are recorded with every parameter, bad ones refused by place', () => {
  assert.deepEqual(TRAIN_DEFAULTS.augment, []);
  assert.deepEqual(resolveDistillConfig({ teacher: null, train: { augment: [{ op: 'crop' }, { op: 'flip' }, { op: 'mixup', alpha: 0.5 }] } }).train.augment, RESOLVED);
  assert.throws(() => resolveDistillConfig({ teacher: null, train: { augment: [{ op: 'flip' }, { op: 'blur' }] } }, 'c.json'), (e: unknown) => e instanceof UserError && /^c\.json: train\.augment\.1 \(blur\): unknown augmentation op "blur"; the ops are crop, resized-crop, flip, mixup, cutmix/.test(e.message));
  assert.throws(() => resolveDistillConfig({ teacher: null, train: { augment: [{ op: 'crop', pad: 0 }] } }, 'c.json'), userError(/^c\.json: train\.augment\.0 \(crop\): pad: /));
});

const stubTeacher = { tapNames: () => [] } as unknown as ModelTeacher;
const plan = (o: { augment?: unknown[]; cache?: object; tune?: object; needsTeacher?: boolean }) =>
  planTeacherOutputs({
    c: resolveDistillConfig({ teacher: { path: 't' }, train: { epochs: 9, augment: o.augment ?? [] }, ...(o.cache ? { cache: o.cache } : {}), ...(o.tune ? { tune: o.tune } : {}) }),
    teacher: stubTeacher, data: bandDataset(), out: tmp(), lossTaps: [], needsTeacher: o.needsTeacher ?? true, resume: false, rebuild: false,
  });

test('planTeacherOutputs: augmentation runs the teacher live (even where a cache would pay off); an explicit cache is refused', async () => {
  assert.equal((await plan({})).use, true, '9 epochs over the data: without augmentation the cache pays off');
  const live = await plan({ augment: [{ op: 'flip' }] });
  assert.equal(live.use, false);
  assert.match(live.why, /--augment makes new images every step, so the teacher runs on each augmented batch/);
  assert.equal((await plan({ augment: [{ op: 'flip' }], tune: { trials: 4 } })).use, false, 'a recipe search too');
  await assert.rejects(plan({ augment: [{ op: 'flip' }], cache: { use: 'on', dir: '/tmp/shared-cache' } }), (e: unknown) =>
    e instanceof UserError && /^--cache \/tmp\/shared-cache: a teacher cache holds the teacher's outputs for the stored images, but --augment .*; drop --cache .* or drop --augment$/.test(e.message));
  // A loss that never reads the teacher uses no cache either way, so --cache is not an augmentation problem there.
  assert.equal((await plan({ augment: [{ op: 'flip' }], cache: { use: 'on' }, needsTeacher: false })).use, false);
});

test('distill with --augment: config.json records the resolved ops, the teacher runs live; with --cache DIR nothing is written', async () => {
  const teacher = await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 });
  const base = { data: { spec: 'mnist', trainLimit: 32 }, teacher: { path: teacher }, student: { family: 'mlp', params: { hidden: 8, depth: 1 } }, train: { epochs: 1, batchSize: 16, backend: 'wasm', augment: [{ op: 'crop' }, { op: 'flip' }, { op: 'mixup', alpha: 0.5 }] } };
  const lines: string[] = [];
  const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m) };
  const out = join(tmp(), 'run');
  const r = await distill({ config: base, out, quiet: true, log });
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).train.augment, RESOLVED);
  assert.ok(r.metrics.epochs.every((e) => Number.isFinite(e.trainLoss)));
  assert.ok(lines.some((l) => /^teacher outputs: live \(cache off: --augment/.test(l)), lines.join('\n'));
  const refused = join(tmp(), 'refused');
  await assert.rejects(distill({ config: { ...base, cache: { use: 'on', dir: join(tmp(), 'cache') } }, out: refused, quiet: true, log }), userError(/^--cache .*drop --augment$/));
  assert.equal(existsSync(refused), false, 'refused before the run directory was made');
});

test('CLI: --augment SPEC sets train.augment resolved; a bad spec is refused naming the flag', async () => {
  const { configFromFlags, command } = await import('../../../src/cli/commands/distill.js');
  assert.deepEqual(((await configFromFlags({ augment: 'crop,flip,mixup=0.5' })).train as { augment: unknown }).augment, RESOLVED);
  assert.deepEqual(((await configFromFlags({ augment: 'none' })).train as { augment: unknown }).augment, []);
  await assert.rejects(configFromFlags({ augment: 'crop,blur' }), userError(/^--augment crop,blur: unknown augmentation op "blur"; the ops are crop, resized-crop, flip, mixup, cutmix/));
  const help = command.options.augment!.description;
  for (const op of ['crop', 'resized-crop', 'flip', 'mixup', 'cutmix', 'default none']) assert.ok(help.includes(op), op);
  assert.match(command.options.recipe!.description, /function-matching: soft-kl=1 at T=1/);
  const { CONFIG_FLAGS } = await import('../../../src/cli/commands/distill.js');
  assert.ok(CONFIG_FLAGS.includes('augment') && CONFIG_FLAGS.includes('recipe'), '--resume with them is checked against the saved config');
});

test('--recipe function-matching: soft-kl only at T=1, crop,flip,mixup(α 1), 3× the epochs with warm-up; flags given win', async () => {
  const { configFromFlags } = await import('../../../src/cli/commands/distill.js');
  const c = resolveDistillConfig({ teacher: { path: 't' }, ...(await configFromFlags({ recipe: 'function-matching' })) });
  assert.deepEqual(c.loss.terms, [{ kind: 'soft-kl', weight: 1, temperature: 1, standardize: false }]);
  assert.deepEqual(c.train.augment, [{ op: 'crop', pad: 4, fill: 'reflect' }, { op: 'flip', p: 0.5 }, { op: 'mixup', alpha: 1 }]);
  assert.equal(FUNCTION_MATCHING_EPOCHS, 3 * TRAIN_DEFAULTS.epochs);
  assert.equal(c.train.epochs, 15);
  assert.equal(c.train.warmupEpochs, 1.5);
  // Explicit flags win over the recipe; the recipe wins over a config file.
  const f = resolveDistillConfig({ teacher: { path: 't' }, ...(await configFromFlags({ recipe: 'function-matching', epochs: '4', augment: 'flip', temperature: '2' })) });
  assert.equal(f.train.epochs, 4);
  assert.deepEqual(f.train.augment, [{ op: 'flip', p: 0.5 }]);
  assert.deepEqual(f.loss.terms, [{ kind: 'soft-kl', weight: 1, temperature: 2, standardize: false }]);
  assert.equal(f.train.warmupEpochs, 1.5);
  const l = await configFromFlags({ recipe: 'function-matching', loss: 'soft-kl=1,hard-ce=0.5' });
  assert.deepEqual((l.loss as { terms: unknown }).terms, [{ kind: 'soft-kl', weight: 1 }, { kind: 'hard-ce', weight: 0.5 }]);
  const { writeFileSync } = await import('node:fs');
  const file = join(tmp(), 'c.json');
  writeFileSync(file, JSON.stringify({ train: { epochs: 2, batchSize: 32 }, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] } }));
  const withFile = resolveDistillConfig({ teacher: { path: 't' }, ...(await configFromFlags({ config: file, recipe: 'function-matching' })) });
  assert.equal(withFile.train.epochs, 15);
  assert.equal(withFile.train.batchSize, 32, 'what the recipe does not set stays the file\'s');
  assert.deepEqual(withFile.loss.terms.map((t) => t.kind), ['soft-kl']);
  await assert.rejects(configFromFlags({ recipe: 'patient' }), userError(/^--recipe patient: unknown recipe; the recipes are function-matching$/));
});
