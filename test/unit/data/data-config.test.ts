import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DataConfig } from '../../../src/config/schema.js';
import { configFromFlags } from '../../../src/cli/commands/distill.js';
import { openDataConfig } from '../../../src/data/index.js';
import { tmp } from '../../helpers/tiny.js';
import { useBackend } from '../../helpers/backend.js';
import { collect, writeImage } from './images.js';

test('DataConfig: crop and auto by default; --resize and --decode-cache set them; other values are refused', async () => {
  const d = DataConfig.parse({});
  assert.equal(d.resize, 'crop');
  assert.equal(d.decodeCache, 'auto');
  assert.equal(d.cacheDir, undefined);
  const c = (await configFromFlags({ data: 'some/dir', resize: 'stretch', 'decode-cache': 'file', strict: true })) as { data: unknown };
  assert.deepEqual(DataConfig.parse(c.data), { spec: 'some/dir', seed: 1234, strict: true, resize: 'stretch', decodeCache: 'file' });
  assert.equal(DataConfig.safeParse({ resize: 'squash' }).success, false);
  assert.equal(DataConfig.safeParse({ decodeCache: 'disk' }).success, false);
});

test('openDataConfig passes the resize mode and shape on: crop keeps the middle columns, stretch squeezes all four', async () => {
  await useBackend('cpu');
  const root = tmp();
  // Both classes: one 4x2 grey image whose columns are 0, 80, 160, 240 in both rows.
  for (const cls of ['a', 'b']) await writeImage(join(root, cls, '0.png'), [0, 80, 160, 240, 0, 80, 160, 240], 4, 2, 1);
  const base = { spec: root, seed: 1, inputShape: [2, 2, 1], decodeCache: 'memory' as const };
  const first = async (data: Parameters<typeof openDataConfig>[0]) => {
    const ds = await openDataConfig(data);
    const b = await collect(ds, 'train');
    return b.x.slice(0, 4).map((v) => Math.round(v * 255));
  };
  // Splits of 2 images at 80/10/10 leave both in train.
  assert.deepEqual(await first({ ...base, resize: 'crop' }), [80, 160, 80, 160]);
  const stretched = await first({ ...base, resize: 'stretch' });
  assert.ok(stretched[0]! < 80 && stretched[1]! > 160, `stretch keeps the outer columns' weight: ${stretched}`);
});
