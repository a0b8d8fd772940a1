import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runners, runnerFor } from '../../../src/bench/runners/registry.js';
import { backendsByHost, benchTargetJsonSchema, parseBenchTarget } from '../../../src/bench/targets.js';
import { HOSTS, RUNTIMES } from '../../../src/config/target.js';
import type { Runner } from '../../../src/bench/types.js';

test('every runtime/host/backend a target may name has exactly one runner', () => {
  const table = backendsByHost();
  let combos = 0;
  for (const runtime of RUNTIMES) {
    for (const host of HOSTS) {
      for (const backend of table[runtime][host]) {
        const matching = runners.all().filter((r) => r.runtime === runtime && r.host === host && r.backends.includes(backend));
        assert.equal(matching.length, 1, `${runtime}/${host}/${backend}`);
        assert.equal(runnerFor({ runtime, host, backend }), matching[0]);
        combos++;
      }
    }
  }
  assert.equal(combos, 3 + 4 + 2 + 3);
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

// Last in this file: it registers a runner for the rest of the process.
test('a registered runner is all it takes for its targets to validate and to be listed in the schema', () => {
  const target = { id: 'x', description: 'd', runtime: 'tfjs', host: 'node', backend: 'webgl', artifact: { format: 'tfjs' } };
  assert.throws(() => parseBenchTarget(target, 'x.json'), /^UserError: x\.json: backend: tfjs on node has no backend "webgl". Must be one of \[cpu, wasm, tensorflow\]$/);
  const fake: Runner = { name: 'node-tfjs-webgl', runtime: 'tfjs', host: 'node', backends: ['webgl'], probe: () => Promise.resolve({ ok: false, reason: 'test' }), open: () => Promise.reject(new Error('test')) };
  runners.register(fake);
  assert.equal(parseBenchTarget(target, 'x.json').backend, 'webgl');
  assert.equal(runnerFor({ runtime: 'tfjs', host: 'node', backend: 'webgl' }), fake);
  assert.match(String(benchTargetJsonSchema().description), /tfjs on node: cpu, wasm, tensorflow, webgl;/);
});
