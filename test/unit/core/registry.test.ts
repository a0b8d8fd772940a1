import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../../src/core/registry.js';
import { UserError } from '../../../src/core/errors.js';

test('registry refuses duplicates and lists known names on a miss', () => {
  const r = createRegistry<{ name: string; v: number }>('widget');
  r.register({ name: 'a', v: 1 });
  r.register({ name: 'b', v: 2 });
  assert.equal(r.get('b').v, 2);
  assert.throws(() => r.register({ name: 'a', v: 3 }), /already registered/);
  assert.throws(() => r.get('zz'), (e: unknown) => e instanceof UserError && e.message === 'unknown widget: "zz". Must be one of [a, b]');
  assert.deepEqual(r.names(), ['a', 'b']);
});
