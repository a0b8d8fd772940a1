import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDistillConfig } from '../../../src/distill/index.js';
import { DistillConfig } from '../../../src/config/schema.js';
import { validate } from '../../../src/config/load.js';

test('every example config in configs/ validates', () => {
  for (const f of readdirSync('configs').filter((f) => f.endsWith('.json') && !f.startsWith('demo'))) {
    const c = resolveDistillConfig(JSON.parse(readFileSync(join('configs', f), 'utf8')), f);
    assert.ok(c.loss.terms.length > 0, f);
  }
});

test('config errors read file: path.to.field: message', () => {
  assert.throws(() => validate(DistillConfig, { teacher: { path: 't' }, train: { epochs: 'x' } }, 'c.json'), /^UserError: c.json: train.epochs: Invalid input: expected number, received string$/m);
  assert.throws(() => validate(DistillConfig, { teacher: { path: 't' }, student: { weights: 'int4' } }, 'c.json'), /c.json: student.weights: Invalid option/);
  assert.throws(() => resolveDistillConfig({ teacher: { path: 't' }, loss: { terms: [{ kind: 'soft-kl', weight: 1, temprature: 2 }] } }, 'c.json'), /c.json: loss.terms.0 \(soft-kl\): temprature: unknown field; did you mean "temperature"\?/);
  // There is no data augmentation (yet): the teacher cache, which holds outputs for un-augmented images, relies on it.
  assert.throws(() => resolveDistillConfig({ teacher: { path: 't' }, data: { spec: 'mnist', augment: { flip: true } } }, 'c.json'), /^UserError: c.json: data.augment: unknown field; allowed: \[spec, .*\]$/m);
});
