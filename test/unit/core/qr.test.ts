/** The QR encoder, checked by a second implementation: zbarimg (Debian zbar-tools) must read back what was encoded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { qrMatrix, qrTerminal } from '../../../src/core/qr.js';

const zbar = (() => {
  try {
    execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'zbarimg not found (apt-get install -y zbar-tools)';
  }
})();

/** Draws the matrix as a PNG (4 pixels a module, 4-module quiet zone) and returns what zbarimg reads in it. */
async function decode(m: boolean[][], dir: string): Promise<string> {
  const scale = 4;
  const q = 4;
  const side = (m.length + 2 * q) * scale;
  const px = Buffer.alloc(side * side, 255);
  for (let y = 0; y < m.length; y++) for (let x = 0; x < m.length; x++) {
    if (!m[y]![x]) continue;
    for (let dy = 0; dy < scale; dy++) px.fill(0, ((y + q) * scale + dy) * side + (x + q) * scale, ((y + q) * scale + dy) * side + (x + q + 1) * scale);
  }
  const file = join(dir, `qr-${m.length}.png`);
  await sharp(px, { raw: { width: side, height: side, channels: 1 } }).png().toFile(file);
  return execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8' }).replace(/\n$/, '');
}

test('zbarimg reads back URLs of every length up to version 10', { skip: zbar }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ed-qr-'));
  try {
    const base = 'http://192.168.178.21:41234/s/Tkqa7siPm1ikPWjvhC5c8A/';
    // Lengths that land in versions 1 through 10 (and the version boundaries around 7, where version bits start).
    for (const text of ['http://a.b/', base.slice(0, 25), base, base + 'x'.repeat(30), base + 'y'.repeat(70), base + 'z'.repeat(100), base + 'w'.repeat(150)]) {
      const m = qrMatrix(text);
      assert.equal((m.length - 17) % 4, 0);
      assert.equal(await decode(m, dir), text, `${text.length} bytes, version ${(m.length - 17) / 4}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sizes follow the version the text needs; too long is refused; the terminal form has the quiet zone', () => {
  assert.equal(qrMatrix('x'.repeat(12)).length, 21); // version 1-M holds 14 bytes
  assert.equal(qrMatrix('x'.repeat(15)).length, 25);
  assert.throws(() => qrMatrix('x'.repeat(214)), /do not fit/);
  const lines = qrTerminal(qrMatrix('hi')).split('\n');
  assert.equal(lines.length, Math.ceil((21 + 8) / 2));
  assert.ok(lines.every((l) => l.length === 29));
  assert.equal(lines[0], '█'.repeat(29), 'quiet zone drawn light');
});
