import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Asserts two teacher caches are the same bytes: the same shard files, each byte-identical, and the same index.json
 * but for `seconds` (the time each took to build).
 */
export function assertSameCache(a: string, b: string): void {
  const files = (d: string) => readdirSync(d).sort();
  assert.deepEqual(files(a), files(b), `${a} and ${b} hold the same files`);
  for (const f of files(a).filter((x) => x !== 'index.json')) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} is byte-identical`);
  const index = (d: string) => {
    const { seconds, ...rest } = JSON.parse(readFileSync(join(d, 'index.json'), 'utf8')) as { seconds: number };
    assert.equal(typeof seconds, 'number');
    return rest;
  };
  assert.deepEqual(index(a), index(b), 'index.json is the same but for seconds');
}
