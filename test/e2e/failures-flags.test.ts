/**
 * Flag and config mistakes through the real CLI (issue 17, weak spot 10): each one line naming the flag or field,
 * exit 1, no stack trace, and nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, errorLines, expectUserError } from '../helpers/cli.js';
import { tmp } from '../helpers/tiny.js';
import { FORMS } from '../helpers/fixtures.js';

const base = tmp('ed-fail-flags-');

test('a negative number given to a numeric flag gets the range message, not the parser\'s "ambiguous"', async () => {
  const out = join(base, 'neg');
  await expectUserError(['distill', '--no-teacher', '--epochs', '-1', '--out', out], /^error: --epochs -1: expected an integer ≥ 1$/, { out });
  await expectUserError(['distill', '--no-teacher', '--lr', '-0.01', '--out', out], /^error: --lr -0.01: expected a number ≥ 0$/, { out });
  await expectUserError(['train-teacher', '--epochs', '-3', '--out', out], /^error: --epochs -3: expected an integer ≥ 1$/, { out });
  assert.ok(!existsSync(out));
});

test('a config with several unknown keys lists every one, each with its "did you mean"', async () => {
  const cfg = join(base, 'typos.json');
  writeFileSync(cfg, JSON.stringify({ trian: { epochs: 1 }, studnet: {}, train: { epoch: 2 }, colour: 'red' }));
  const out = join(base, 'typos');
  await expectUserError(['distill', '-c', cfg, '--no-teacher', '--out', out], /typos.json: 4 unknown fields: /, { out });
  // The same run again to read the whole line (expectUserError checked it is the only one).
  const line = errorLines((await cli(['distill', '-c', cfg, '--no-teacher', '--out', out])).stderr)[0]!;
  assert.match(line, /train\.epoch \(did you mean "epochs"\?\)/);
  assert.match(line, /trian \(did you mean "train"\?\)/);
  assert.match(line, /studnet \(did you mean "student"\?\)/);
  assert.match(line, /colour \(allowed: \[data, teacher, student, loss, train, cache, tune\]\)/);
});

test('--resume DIR with a flag that changes the run says the run\'s config differs, and how', async () => {
  const run = join(base, 'resume');
  mkdirSync(run);
  writeFileSync(join(run, 'config.json'), JSON.stringify({ teacher: null, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] }, train: { learningRate: 0.01, epochs: 1 } }));
  await expectUserError(['distill', '--resume', run, '--lr', '0.001'], /^error: --resume .*resume: the run's config differs from this command's \(train\.learningRate: 0\.01 ≠ 0\.001, the run's value first\); resume without the flags that change it, or start a new run with another --out$/);
  assert.deepEqual(readdirSync(run), ['config.json'], 'the run is left as it was');
});

test('--teacher-output logitz names the nearest tensors, the graph output first, and points at --teacher-outputs logits', async () => {
  const out = join(base, 'logitz');
  await expectUserError(['distill', '--teacher', FORMS.onnx.path, '--teacher-output', 'logitz', '--out', out], /--teacher-output "logitz" is not a tensor of this onnx \(nearest: logits, .*\); to say the output holds logits, give --teacher-outputs logits/, { out });
});
