import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { startLocalServer, servingProblems, type LocalServer } from '../../../src/bench/browser/server.js';

let server: LocalServer;

/** GET with the path sent exactly as written (fetch would normalise "../" away before sending). */
function rawGet(origin: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((ok, fail) => {
    get({ hostname, port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}
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

test('a scope serves only under its random token, and its log holds only its own requests', async () => {
  const a = server.openScope();
  const b = server.openScope();
  assert.match(a.token, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(a.token, b.token);
  a.mountDir('/pub/', join(dir, 'pub'));
  a.mountContent('/scoped.html', 'scoped', 'text/html; charset=utf-8');
  assert.equal(a.url('/scoped.html'), `${server.origin}/s/${a.token}/scoped.html`);
  a.takeLog();
  assert.equal(await (await fetch(a.url('/scoped.html'))).text(), 'scoped');
  assert.equal((await fetch(a.url('/pub/d.json'))).status, 200);
  // Without the token, with a wrong one, with another scope's: refused.
  for (const p of ['/scoped.html', '/s/scoped.html', `/s/${'A'.repeat(22)}/scoped.html`, `/s/${b.token}/scoped.html`, `/s/${a.token.slice(0, -1)}/scoped.html`]) {
    const res = await fetch(server.origin + p);
    assert.equal(res.status, 404, p);
    await res.text();
  }
  // Traversal out of the scope's mount, plain and encoded, stays refused.
  for (const p of ['pub/../../secret.txt', 'pub/%2e%2e/secret.txt', 'pub/..%2f..%2fsecret.txt', 'pub/%2e%2e%2f%2e%2e%2fsecret.txt', 'pub/..%5csecret.txt', 'pub/%00']) {
    const res = await rawGet(server.origin, `${a.base}${p}`);
    assert.notEqual(res.status, 200, p);
    assert.doesNotMatch(res.body, /^secret$/);
  }
  // Stray 404s from "another process" land in no scope's log; the traversal attempts under a's token are a's.
  const log = a.takeLog();
  assert.deepEqual(log.slice(0, 2).map((r) => [r.path.replace(a.base, '/'), r.status]), [['/scoped.html', 200], ['/pub/d.json', 200]]);
  assert.ok(log.every((r) => r.path.startsWith(a.base)), JSON.stringify(log));
  // The request under b's token is b's (and would be held against b's page, as it should: it knew b's token).
  assert.deepEqual(b.takeLog().map((r) => r.path), [`${b.base}scoped.html`]);
  a.close();
  assert.equal((await fetch(a.url('/scoped.html'))).status, 404);
  b.close();
});

test('POST mounts: bodies over the limit get 413 and never reach the handler; other methods 405', async () => {
  const s = server.openScope();
  const got: string[] = [];
  s.mountPost('/results', 100, (body) => {
    got.push(body.toString());
    return { status: 200, body: 'ok' };
  });
  const ok = await fetch(s.url('/results'), { method: 'POST', body: 'x'.repeat(100) });
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'ok');
  const big = await fetch(s.url('/results'), { method: 'POST', body: 'x'.repeat(101) }).catch((e: Error) => e);
  if (!(big instanceof Error)) assert.equal(big.status, 413);
  assert.equal((await fetch(s.url('/results'), { method: 'PUT', body: 'x' })).status, 405);
  assert.deepEqual(got, ['x'.repeat(100)]);
  s.close();
});

test('a scope can send gzip with its own Cache-Control; the log records the bytes sent', async () => {
  const { gunzipSync } = await import('node:zlib');
  const big = 'weights '.repeat(1000);
  await writeFile(join(dir, 'pub', 'w.bin'), big);
  const s = server.openScope({ gzip: true, cacheControl: 'public, max-age=31536000, immutable' });
  s.mountDir('/pub/', join(dir, 'pub'));
  const body = await new Promise<{ headers: Record<string, unknown>; data: Buffer }>((ok, fail) => {
    const u = new URL(s.url('/pub/w.bin'));
    get({ hostname: u.hostname, port: u.port, path: u.pathname, headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ headers: res.headers, data: Buffer.concat(chunks) }));
    }).on('error', fail);
  });
  assert.equal(body.headers['content-encoding'], 'gzip');
  assert.equal(body.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(gunzipSync(body.data).toString(), big);
  assert.ok(body.data.length < big.length / 10);
  const [entry] = s.takeLog();
  assert.deepEqual([entry!.bytes, entry!.encoding], [body.data.length, 'gzip']);
  // Without Accept-Encoding: the raw file; the server's own mounts keep no-store and no gzip.
  const raw = await rawGet(server.origin, `${s.base}pub/w.bin`);
  assert.equal(raw.body, big);
  assert.equal((await fetch(`${server.origin}/pub/d.json`)).headers.get('cache-control'), 'no-store');
  s.close();
});
