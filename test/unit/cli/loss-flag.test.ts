import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLossFlag } from '../../../src/cli/flags.js';
import { configFromFlags } from '../../../src/cli/commands/distill.js';
import { resolveDistillConfig } from '../../../src/distill/config.js';
import { command } from '../../../src/cli/commands/distill.js';
import { describeLossTerms, lossTerms, missingTeacherError } from '../../../src/losses/index.js';
import { UserError } from '../../../src/core/errors.js';

test('--loss TERM=W:KEY=V sets a term\'s parameters (numbers, booleans), as --augment does an op\'s', () => {
  assert.deepEqual(parseLossFlag('dkd=1:alpha=0.5:beta=8:temperature=2,hard-ce=1'), [
    { kind: 'dkd', weight: 1, alpha: 0.5, beta: 8, temperature: 2 },
    { kind: 'hard-ce', weight: 1 },
  ]);
  assert.deepEqual(parseLossFlag('soft-kl=9:standardize=true:temperature=4,dist=2:gamma=0.5'), [
    { kind: 'soft-kl', weight: 9, standardize: true, temperature: 4 },
    { kind: 'dist', weight: 2, gamma: 0.5 },
  ]);
  assert.deepEqual(parseLossFlag('soft-kl'), [{ kind: 'soft-kl', weight: 1 }], 'a bare term weighs 1');
  assert.throws(() => parseLossFlag('dkd=1:beta'), (e: unknown) => e instanceof UserError && e.message === '--loss dkd=1:beta: "beta" is not KEY=VALUE (e.g. dkd=1:beta=8)');
  assert.throws(() => parseLossFlag('dkd=x'), /--loss dkd=x: "dkd=x" is not TERM=WEIGHT/);
  assert.throws(() => parseLossFlag('dkd=1:weight=3'), /the weight is set by TERM=WEIGHT/);
});

test('--loss parameters reach the resolved config, and a wrong one is refused by the term\'s schema', async () => {
  const c = await configFromFlags({ loss: 'dkd=1:beta=2,hard-ce=1', teacher: 't.onnx' });
  const r = resolveDistillConfig(c);
  assert.deepEqual(r.loss.terms, [
    { kind: 'dkd', weight: 1, alpha: 1, beta: 2, temperature: 4, standardize: false },
    { kind: 'hard-ce', weight: 1 },
  ]);
  assert.throws(() => resolveDistillConfig(configFromFlagsSync('dkd=1:betta=2')), (e: unknown) => e instanceof UserError && /loss\.terms\.0 \(dkd\)/.test(e.message) && /betta/.test(e.message));
});

function configFromFlagsSync(loss: string) {
  return { teacher: { path: 't.onnx' }, loss: { terms: parseLossFlag(loss) } };
}

test('the missing-teacher error names the loss\'s teacher terms and the registry\'s terms that need none', () => {
  const e = missingTeacherError({ terms: [{ kind: 'dkd', weight: 1 }, { kind: 'dist', weight: 1 }, { kind: 'hard-ce', weight: 1 }, { kind: 'soft-kl', weight: 0 }] });
  assert.equal(e.message, 'the loss has teacher terms (dkd, dist) but no teacher was given; pass --teacher, or keep only terms that need none (hard-ce), e.g. --loss hard-ce=1');
});

test('--loss help lists every registered term', () => {
  const help = command.options.loss!.description;
  for (const name of lossTerms.names()) assert.ok(help.includes(name), `${name} in --loss help`);
  assert.ok(describeLossTerms().includes('dkd (alpha=1, beta=8, temperature=4, standardize=false)'));
  assert.ok(describeLossTerms().includes('dist (beta=1, gamma=1, temperature=1)'));
});
