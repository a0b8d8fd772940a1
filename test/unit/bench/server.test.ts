import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, servingProblems, type LocalServer } from '../../../src/bench/browser/server.js';

let server: LocalServer;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ed-server-'));
  await mkdir(join(dir, 'pub'));
  for (const f of ['a.mjs', 'b.js', 'c.wasm', 'd.json', 'e.bin']) await writeFile(join(dir, 'pub', f), 'x');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  server = await startLocalServer();
  server.mountDir('/pub/', join(dir, 'pub'));
  server.mountContent('/page.html', '<p>hi</p>', 'text/html; charset=utf-8');
});
after(() => server.close());

test('serves on 127.0.0.1 with the MIME types runtimes need and cross-origin isolation headers', async () => {
  assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  const types: Record<string, string> = { 'a.mjs': 'text/javascript', 'b.js': 'text/javascript', 'c.wasm': 'application/wasm', 'd.json': 'application/json', 'e.bin': 'application/octet-stream' };
  for (const [f, type] of Object.entries(types)) {
    const res = await fetch(`${server.origin}/pub/${f}`);
    assert.equal(res.status, 200, f);
    assert.equal(res.headers.get('content-type')!.split(';')[0], type, f);
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    await res.arrayBuffer();
  }
  assert.equal(await (await fetch(`${server.origin}/page.html`)).text(), '<p>hi</p>');
});

test('never serves files outside a mount', async () => {
  for (const p of ['/pub/../secret.txt', '/pub/%2e%2e/secret.txt', '/pub/..%2fsecret.txt', '/secret.txt']) {
    const res = await fetch(`${server.origin}${p}`);
    assert.equal(res.status, 404, p);
    assert.doesNotMatch(await res.text(), /secret$/);
  }
});

test('the request log names missing files and wrong MIME types', async () => {
  server.takeLog();
  const bad = await startLocalServer({ mimeOverrides: { '.wasm': 'text/plain', '.mjs': 'application/octet-stream' } });
  bad.mountDir('/pub/', join(dir, 'pub'));
  for (const p of ['/pub/c.wasm', '/pub/a.mjs', '/pub/nope.js', '/favicon.ico', '/pub/d.json']) await (await fetch(bad.origin + p)).arrayBuffer();
  assert.deepEqual(servingProblems(bad.takeLog()), [
    '/pub/c.wasm was served as text/plain; WebAssembly needs application/wasm',
    '/pub/a.mjs was served as application/octet-stream; scripts need text/javascript',
    '/pub/nope.js was not found (404)',
  ]);
  await bad.close();
});
