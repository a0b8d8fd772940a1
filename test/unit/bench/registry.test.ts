import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runners, runnerFor } from '../../../src/bench/runners/registry.js';
import { BACKENDS_BY_HOST, HOSTS, RUNTIMES } from '../../../src/config/target.js';

test('every runtime/host/backend the target schema admits has exactly one runner', () => {
  for (const runtime of RUNTIMES) {
    for (const host of HOSTS) {
      for (const backend of BACKENDS_BY_HOST[runtime][host]) {
        const matching = runners.all().filter((r) => r.runtime === runtime && r.host === host && r.backends.includes(backend));
        assert.equal(matching.length, 1, `${runtime}/${host}/${backend}`);
        assert.equal(runnerFor({ runtime, host, backend }), matching[0]);
      }
    }
  }
  assert.deepEqual(runners.names(), ['node-tfjs', 'node-ort', 'node-ort-web', 'chromium-tfjs', 'chromium-ort']);
  assert.throws(() => runners.get('deno-tfjs'), /unknown runner: "deno-tfjs". Must be one of \[node-tfjs, node-ort, node-ort-web, chromium-tfjs, chromium-ort\]/);
});

test('no bench or report module imports a heavy runtime statically (runners load them when they run)', async () => {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const heavy = /^import\s+(?!type\b)[^;]*from\s+'(onnxruntime-node|onnxruntime-web|playwright-core|@tensorflow\/[^']+)'/m;
  for (const dir of ['src/bench', 'src/bench/runners', 'src/bench/browser', 'src/report', 'src/config']) {
    for (const f of (await readdir(dir)).filter((x) => x.endsWith('.ts'))) {
      const src = await readFile(join(dir, f), 'utf8');
      assert.doesNotMatch(src, heavy, `${dir}/${f} imports a heavy package at load time`);
    }
  }
});
