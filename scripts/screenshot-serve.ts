/**
 * Makes the README's pictures of `bench --serve`: the page a device sees (a phone-sized headless Chromium playing
 * the device over loopback), the report's device rows and its "Served devices" table, as small palette PNGs in docs/.
 *
 *   node --import tsx scripts/screenshot-serve.ts [RUN]
 *
 * RUN is copied to a temporary folder first (its results.json is left alone); without RUN the tiny fixture run of
 * the tests is used. The device is this machine's headless Chromium, so its GPU is SwiftShader.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { launchChromium } from '../src/bench/browser/chromium.js';
import { serveBench } from '../src/bench/serve/index.js';
import { runPaths } from '../src/run-dir/layout.js';
import { writeReports } from '../src/report/write.js';

const given = process.argv[2];
const run = await mkdtemp(join(tmpdir(), 'ed-shot-'));
if (given) await cp(given, run, { recursive: true });
else await cp(await (await import('../test/unit/bench/fixtures.js')).makeRunDir(), run, { recursive: true });
const docs = new URL('../docs/', import.meta.url).pathname;
const browser = await launchChromium();
const small = async (png: Buffer, file: string) => {
  await sharp(png).png({ palette: true, colours: 64, compressionLevel: 9 }).toFile(join(docs, file));
  console.log(`wrote docs/${file}`);
};
try {
  await serveBench({
    runDir: run, only: ['chromium-tfjs-wasm', 'chromium-ort-wasm', 'chromium-tfjs-webgl'], quick: true, testLimit: 64, devices: 1, timeoutSec: 300,
    onMerged: async (res) => void (await writeReports(res, runPaths(res.runDir).benchDir)),
    onListening(urls) {
      void (async () => {
        const context = await browser.newContext({ viewport: { width: 400, height: 560 } });
        const page = await context.newPage();
        await page.goto(urls[0]!);
        await page.waitForFunction(() => (window as unknown as { deviceDone?: boolean }).deviceDone === true, null, { timeout: 280_000 });
        await small(await page.screenshot(), 'bench-serve-page.png');
        await context.close();
      })().catch((e: unknown) => console.error(e));
    },
  });
  // Tall enough that nothing scrolls: bounding boxes are then page coordinates.
  const context = await browser.newContext({ viewport: { width: 1100, height: 6000 } });
  const page = await context.newPage();
  await page.goto(pathToFileURL(runPaths(run).reportHtml).href);
  /** A section's heading and its table. */
  const section = async (title: string, file: string) => {
    const heading = page.locator('h2', { hasText: title });
    const table = heading.locator('xpath=following-sibling::table[1]');
    const a = (await heading.boundingBox())!;
    const b = (await table.boundingBox())!;
    await small(await page.screenshot({ clip: { x: 0, y: a.y - 8, width: 1100, height: b.y + b.height - a.y + 16 } }), file);
  };
  await section('Latency at batch 1', 'bench-serve-rows.png');
  await section('Served devices', 'bench-serve-report.png');
  await context.close();
} finally {
  await browser.close();
  await rm(run, { recursive: true, force: true });
}
