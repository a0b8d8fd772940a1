/**
 * Issue 17, weak spot 3: requests another local process sends to the bench server (404s included) are not held
 * against a page session, which lives under its own random token.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumTfjsRunner } from '../../../src/bench/runners/chromium-tfjs.js';
import { chromiumMissing, sharedServer } from '../../../src/bench/browser/chromium.js';
import { createResources } from '../../../src/bench/resources.js';
import { parseTarget } from '../../../src/config/target.js';
import { silentLogger } from '../../../src/core/progress.js';
import type { RunnerContext } from '../../../src/bench/types.js';
import { syntheticData, tinyModels } from './fixtures.js';

const ctx: RunnerContext = { data: syntheticData(8), log: silentLogger, resources: createResources() };
after(() => ctx.resources.closeAll());

test('a page session opens while another process floods the server with 404s', { skip: chromiumMissing() }, async () => {
  const models = await tinyModels();
  const server = await sharedServer(ctx.resources);
  let stop = false;
  let sent = 0;
  // What a stray local process might ask for: the paths a session used before tokens, and made-up tokens.
  const flood = (async () => {
    const paths = ['/bench/chromium-tfjs.html', '/vendor/tfjs/nope.js', '/models/1/model.json', '/data/1/x.f32', `/s/${'A'.repeat(22)}/bench/chromium-tfjs.js`];
    while (!stop) {
      const r = await fetch(server.origin + paths[sent++ % paths.length]!).catch(() => undefined);
      assert.notEqual(r?.status, 200);
      await r?.text();
    }
  })();
  const target = parseTarget({ id: 't', description: 't', runtime: 'tfjs', host: 'chromium', backend: 'cpu', artifact: { format: 'tfjs' } }, 'test');
  try {
    const s = await chromiumTfjsRunner.open(models.tfjs, target, ctx);
    assert.equal((await s.predict(8)).length, 8);
    await s.dispose();
  } finally {
    stop = true;
    await flood;
  }
  assert.ok(sent > 20, `only ${sent} stray requests were sent`);
});
