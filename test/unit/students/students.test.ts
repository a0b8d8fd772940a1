import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../helpers/backend.js';
import { studentFamilies } from '../../../src/students/index.js';
import { countParams } from '../../../src/students/layers.js';
import { chooseStudent, paramCountOf } from '../../../src/students/sizing.js';
import { UserError } from '../../../src/core/errors.js';

before(() => useBackend('cpu'));
const io = { inputShape: [28, 28, 1], numClasses: 10 };
/** mlp params by hand: 784·h + h, (d − 1)·(h² + h), 10·h + 10. */
const mlpParams = (h: number, d: number) => 784 * h + h + (d - 1) * (h * h + h) + 10 * h + 10;

test('parameter counts match hand counts', () => {
  assert.equal(paramCountOf(studentFamilies.get('mlp'), { hidden: 32, depth: 2 }, io), mlpParams(32, 2));
  // cnn width 0.5 depth 2: conv 3·3·1·8 + BN 4·8, conv 3·3·8·16 + BN 4·16, dense (7·7·16)·10 + 10.
  assert.equal(paramCountOf(studentFamilies.get('cnn'), { width: 0.5, depth: 2 }, io), 72 + 32 + 1152 + 64 + 7850);
  // dsconv width 1 depth 1: stem 3·3·1·8 + 32; block (stride 2, 16 ch): dw 3·3·8 + 32, pw 8·16 + 64; GAP; dense 16·10 + 10.
  assert.equal(paramCountOf(studentFamilies.get('dsconv'), { width: 1, depth: 1 }, io), 72 + 32 + 72 + 32 + 128 + 64 + 170);
});

test('every family builds with stable tap names and outputs logits of the class count', () => {
  for (const fam of studentFamilies.all()) {
    const m = fam.build(fam.defaultParams, io, 1);
    assert.deepEqual(m.outputs[0]!.shape, [null, 10], fam.name);
    assert.ok(m.getLayer('penultimate'), `${fam.name} has a penultimate tap`);
    assert.ok(countParams(m) > 0);
    m.dispose();
  }
});

test('sizing picks the largest member that fits, at the chosen precision', () => {
  const fam = studentFamilies.get('mlp');
  const budget = 4 * mlpParams(32, 1) + 10; // fits hidden 32 depth 1 at float32, not hidden 32 depth 2
  const { chosen, candidates } = chooseStudent(fam, io, budget, 'float32');
  assert.deepEqual(chosen.params, { hidden: 32, depth: 1 });
  assert.equal(chosen.bytes, 4 * mlpParams(32, 1));
  assert.ok(candidates.every((c) => c.fits === c.bytes <= budget));
  // The same budget at uint8 admits a member about 4x larger.
  const u8 = chooseStudent(fam, io, budget, 'uint8');
  assert.ok(u8.chosen.paramCount > 3 * chosen.paramCount && u8.chosen.bytes <= budget);
});

test('an impossible budget names the smallest size that would work', () => {
  assert.throws(
    () => chooseStudent(studentFamilies.get('mlp'), io, 1000, 'float32'),
    (e: unknown) => e instanceof UserError && e.message.includes(`needs ${4 * mlpParams(8, 1)} bytes at float32`) && e.message.includes('--weights uint8'),
  );
});

test('unknown family lists the known ones', () => {
  assert.throws(() => studentFamilies.get('resnet'), /unknown student family: "resnet". Must be one of \[cnn, dsconv, mlp, vgg\]/);
});
