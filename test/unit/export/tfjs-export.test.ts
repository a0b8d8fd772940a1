/**
 * tfjs export: weight quantization against hand-worked values (the rules of tfjs-converter's quantization.py), and
 * round trips through the stock `tf.loadLayersModel` over HTTP (sharding, float16/uint16/uint8 manifests).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { float16Bits, quantizeAffine, roundHalfEven, toFloat16 } from '../../../src/export/tfjs/quantize.js';
import { buildTfjs } from '../../../src/export/tfjs/writer.js';
import type { BuiltArtifact } from '../../../src/export/types.js';
import { cpuTf } from '../../helpers/tf.js';
import { serveDir } from '../../helpers/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'ed-tfjs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const f32 = (...v: number[]) => Array.from(Float32Array.from(v));

test('roundHalfEven rounds halves to the even neighbour, like numpy.round', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 126.5, 127.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 126, 128, -0, -2, 2, 3]);
});

test('uint8: the converter docstring example [0, -0.1, 1.2] → codes [20, 0, 255], min −0.10196078817, scale 0.00509803940852', () => {
  const { q, min, scale } = quantizeAffine(Float32Array.of(0, -0.1, 1.2), 'uint8');
  assert.deepEqual([...q], [20, 0, 255]);
  // scale = (1.2 − (−0.1))/255 on the float32 values; zero point round(0.1/scale) = 20 nudges min to −20·scale.
  assert.ok(Math.abs(scale - 0.00509803940852) < 1e-13, String(scale));
  assert.ok(Math.abs(min - -0.10196078817) < 1e-11, String(min));
  assert.equal(min, -20 * scale); // 0 is exactly representable
});

test('uint16 on [0, 1, 2, 3]: scale 3/65535, codes multiples of 21845, exact dequantization', () => {
  const { q, min, scale } = quantizeAffine(Float32Array.of(0, 1, 2, 3), 'uint16');
  assert.deepEqual([...q], [0, 21845, 43690, 65535]);
  assert.equal(min, 0);
  assert.equal(scale, 3 / 65535);
});

test('uint8 range without zero is not nudged; halves round to even; a constant tensor is all zeros with scale 1', () => {
  const a = quantizeAffine(Float32Array.of(1, 2, 3), 'uint8');
  assert.equal(a.min, 1);
  assert.equal(a.scale, 2 / 255);
  assert.deepEqual([...a.q], [0, 128, 255]); // (2 − 1)/(2/255) = 127.5 → 128 (even)
  const b = quantizeAffine(Float32Array.of(0, 126.5, 255), 'uint8');
  assert.deepEqual([...b.q], [0, 126, 255]); // 126.5 → 126 (even), where Math.round would give 127
  const c = quantizeAffine(Float32Array.of(0.7, 0.7), 'uint8');
  assert.deepEqual([...c.q], [0, 0]);
  assert.equal(c.scale, 1);
  assert.equal(c.min, Math.fround(0.7));
});

test('float16 bits: round to nearest even, subnormals, overflow to Inf', () => {
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // halfway between 65504 and 65536 → even → 65536 → Inf
    [1 / 3, 0x3555],
    [0.1, 0x2e66],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to 0 → even
    [3 * 2 ** -26, 0x0001], // 0.75 ulp → 1
    [-0, 0x8000],
    [Infinity, 0x7c00],
  ];
  for (const [v, bits] of cases) assert.equal(float16Bits(v), bits, `float16(${v})`);
  assert.equal(float16Bits(NaN) & 0x7e00, 0x7e00);
  assert.deepEqual([...toFloat16(Float32Array.of(1, -2))], [0x3c00, 0xc000]);
});

async function writeBuilt(built: BuiltArtifact, name: string): Promise<string> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const f of built.files) writeFileSync(join(d, f.name), f.bytes);
  return d;
}

/** A one-layer model with hand-picked weights: kernel [1, 3] = [0, −0.1, 1.2], bias [1, 2, 3]. */
function handModel(tf: typeof tfType): tfType.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 3 })] });
  m.layers[0]!.setWeights([tf.tensor2d([[0, -0.1, 1.2]]), tf.tensor1d([1, 2, 3])]);
  m.compile({ optimizer: 'adam', loss: 'meanSquaredError' }); // its trainingConfig must not be exported
  return m;
}

test('quantized round trip through stock tf.loadLayersModel (HTTP) gives the hand-worked dequantized weights', async () => {
  const tf = await cpuTf();
  const m = handModel(tf);
  const server = await serveDir(dir);
  try {
    const expected: Record<string, { kernel: number[]; bias: number[] }> = {
      fp32: { kernel: f32(0, -0.1, 1.2), bias: [1, 2, 3] },
      // kernel codes [20, 0, 255] · 0.0050980394 − 0.1019607882; bias (no 0 in range) codes [0, 128, 255] · 2/255 + 1.
      uint8: { kernel: f32(0, -20 * (1.3000000491738319 / 255), 235 * (1.3000000491738319 / 255)), bias: f32(1, 1 + (128 * 2) / 255, 3) },
      // float16 of −0.1 is 0xae66 = −0.0999755859375, of 1.2 is 0x3ccd = 1.2001953125.
      float16: { kernel: f32(0, -0.0999755859375, 1.2001953125), bias: [1, 2, 3] },
    };
    for (const [precision, want] of Object.entries(expected)) {
      const built = await buildTfjs(m, precision as 'fp32');
      await writeBuilt(built, `hand-${precision}`);
      const json = JSON.parse(readFileSync(join(dir, `hand-${precision}`, 'model.json'), 'utf8'));
      assert.equal(json.trainingConfig, undefined);
      assert.equal(json.format, 'layers-model');
      const loaded = await tf.loadLayersModel(`${server.url}/hand-${precision}/model.json`);
      const [k, b] = loaded.layers[0]!.getWeights().map((t) => Array.from(t.dataSync()));
      const close = (a: number[], e: number[]) => a.every((v, i) => Math.abs(v - e[i]!) < 1e-7);
      assert.ok(close(k!, want.kernel), `${precision} kernel ${k} vs ${want.kernel}`);
      assert.ok(close(b!, want.bias), `${precision} bias ${b} vs ${want.bias}`);
      if (precision === 'uint8') {
        const spec = json.weightsManifest[0].weights.find((w: { name: string }) => w.name.endsWith('kernel'));
        assert.deepEqual(Object.keys(spec.quantization).sort(), ['dtype', 'min', 'original_dtype', 'scale']);
        assert.equal(spec.dtype, 'float32');
        assert.deepEqual([...readFileSync(join(dir, 'hand-uint8', 'group1-shard1of1.bin')).subarray(0, 3)], [20, 0, 255]);
      }
    }
  } finally {
    await server.close();
  }
});

test('weights over 4 MB are split into group1-shardKofN.bin files that the stock loader reassembles', async () => {
  const tf = await cpuTf();
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1100], units: 1000, kernelInitializer: tf.initializers.randomUniform({ seed: 1 }) })] });
  const built = await buildTfjs(m, 'fp32');
  assert.deepEqual(built.files.map((f) => f.name), ['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']);
  assert.equal(built.files[1]!.bytes.byteLength, 4 * 1024 * 1024);
  const uint8 = await buildTfjs(m, 'uint8');
  assert.deepEqual(uint8.files.map((f) => f.name), ['model.json', 'group1-shard1of1.bin']);
  await writeBuilt(built, 'big');
  const server = await serveDir(dir);
  try {
    const loaded = await tf.loadLayersModel(`${server.url}/big/model.json`);
    const x = tf.randomUniform([2, 1100], 0, 1, 'float32', 3);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(m.predict(x) as tfType.Tensor, loaded.predict(x) as tfType.Tensor))).dataSync()[0]!);
    assert.equal(d, 0);
  } finally {
    await server.close();
  }
});
