// Every registered student family trains on wasm with the same gradients as on cpu: the smallest configuration of
// its grid and the deepest one at that width, on MNIST-shaped input.
import { before, describe, test } from 'node:test';
import { studentFamilies } from '../../../src/students/index.js';
import type { IOSpec } from '../../../src/core/types.js';
import { assertSameGradients, host, setup } from './wasm-helpers.js';

before(setup);

const io: IOSpec = { inputShape: [28, 28, 1], numClasses: 10 };

/** grid[0], and the last grid entry that differs from it only in `depth` (the deepest model at the smallest width). */
function picks(grid: Record<string, unknown>[]): Record<string, unknown>[] {
  const first = grid[0]!;
  const same = grid.filter((p) => Object.keys(first).every((k) => k === 'depth' || p[k] === first[k]));
  const deepest = same.at(-1)!;
  return deepest === first ? [first] : [first, deepest];
}

describe('student families: wasm gradients equal cpu', () => {
  for (const name of studentFamilies.names()) {
    const family = studentFamilies.get(name);
    for (const [i, params] of picks(family.grid(io) as Record<string, unknown>[]).entries()) {
      test(`${name} ${JSON.stringify(params)}`, async () => {
        await assertSameGradients(() => family.build(params, io, 3), host([2, ...io.inputShape], 500 + i));
      });
    }
  }
});
