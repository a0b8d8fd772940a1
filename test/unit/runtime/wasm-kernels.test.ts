// Each wasm training kernel against the cpu backend's kernel of the same name, on random inputs over a grid of
// shapes, strides, paddings and dilations (odd sizes and tfjs's asymmetric 'same' padding at stride 2 included).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '@tensorflow/tfjs-core';
import { host, relError, runKernel, setup, tf, type HostTensor } from './wasm-helpers.js';
import { setSimdEnabled, simdKernels } from '../../../src/runtime/wasm-training/simd/module.js';

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
type Pair = number | [number, number];
const TOL = 1e-4;

before(setup);

test('the SIMD kernels are compiled and bound to the wasm heap (so the cases below exercise them)', async () => {
  await tf.setBackend('wasm');
  assert.ok(simdKernels(tf.backend()), 'simdKernels() returned undefined on the wasm backend');
});

/**
 * Registers a suite twice: with the SIMD kernels, and with them switched off so that the XNNPACK/JS paths the
 * kernels fall back to (before the module is compiled, or for shapes it does not take) stay tested too.
 */
function bothPaths(name: string, suite: () => void): void {
  for (const simd of [true, false]) {
    describe(simd ? name : `${name} [SIMD off: fallback paths]`, () => {
      before(() => setSimdEnabled(simd));
      after(() => setSimdEnabled(true));
      suite();
    });
  }
}

const PADS: Pad[] = [];
const explicit: Pad = [
  [0, 0],
  [1, 0],
  [2, 1],
  [0, 0],
];
PADS.push('valid', 'same', explicit);
const wide: Pad = [
  [0, 0],
  [3, 2],
  [0, 4],
  [0, 0],
];

function convOut(xShape: number[], k: [number, number, number, number], strides: Pair, dil: Pair, pad: Pad, depthwise: boolean): number[] | undefined {
  try {
    const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], k, strides, dil, pad, undefined, depthwise);
    return info.outShape.every((d) => d > 0) ? info.outShape : undefined;
  } catch {
    return undefined;
  }
}

function label(...parts: unknown[]): string {
  return parts.map((p) => JSON.stringify(p)).join(' ');
}

function check(got: HostTensor, want: HostTensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const e = relError(got.values, want.values);
  assert.ok(e <= TOL, `${what}: relative error ${e}`);
}

interface ConvCase {
  x: [number, number, number, number];
  k: [number, number]; // filter height, width
  co: number;
  strides: Pair;
  pad: Pad;
}

const convCases: ConvCase[] = [];
for (const x of [
  [2, 7, 7, 3],
  [3, 8, 8, 2],
  [1, 9, 6, 4],
] as [number, number, number, number][]) {
  for (const k of [
    [3, 3],
    [1, 1],
    [2, 2],
    [5, 3],
  ] as [number, number][]) {
    for (const strides of [1, 2, [2, 1], 3] as Pair[]) {
      for (const pad of PADS) {
        if ((k[0] === 1 || k[0] === 2) && strides === 3) continue; // keep the grid small
        convCases.push({ x, k, co: 5, strides, pad });
      }
    }
  }
}
convCases.push({ x: [2, 6, 7, 2], k: [2, 2], co: 3, strides: 1, pad: wide }, { x: [2, 6, 7, 2], k: [2, 2], co: 3, strides: 2, pad: wide });
// Output channels a multiple of 4 (the SIMD weight gradient writes its result in place), wide co (several register
// tiles, tails included), one input channel (tiny-cnn's first layer), and a batch large enough that float32 sums of
// thousands of products are checked against the cpu backend's float64 ones.
for (const co of [4, 8, 20]) {
  for (const strides of [1, 2] as Pair[]) {
    for (const pad of PADS) {
      convCases.push({ x: [2, 7, 7, 6], k: [3, 3], co, strides, pad }, { x: [2, 8, 8, 1], k: [3, 3], co, strides, pad }, { x: [3, 5, 6, 9], k: [1, 1], co, strides, pad });
    }
  }
}
convCases.push({ x: [16, 28, 28, 3], k: [3, 3], co: 16, strides: 1, pad: 'same' }, { x: [16, 14, 14, 16], k: [3, 3], co: 32, strides: 1, pad: 'same' });

bothPaths('Conv2DBackpropFilter and Conv2DBackpropInput (wasm vs cpu)', () => {
  test(`${convCases.length} shape/stride/padding cases`, async () => {
    let n = 0;
    for (const [i, c] of convCases.entries()) {
      const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.co];
      const out = convOut(c.x, filterShape, c.strides, 1, c.pad, false);
      if (!out) continue;
      n++;
      const x = host(c.x, 10 + i);
      const dy = host(out, 1000 + i);
      const filter = host(filterShape, 2000 + i);
      const what = label(c);
      const fAttrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape };
      check(await runKernel('wasm', 'Conv2DBackpropFilter', { x, dy }, fAttrs), await runKernel('cpu', 'Conv2DBackpropFilter', { x, dy }, fAttrs), `filter ${what}`);
      const iAttrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      check(await runKernel('wasm', 'Conv2DBackpropInput', { dy, filter }, iAttrs), await runKernel('cpu', 'Conv2DBackpropInput', { dy, filter }, iAttrs), `input ${what}`);
    }
    assert.ok(n > 100, `only ${n} valid cases`);
  });
});

/** Inserts (d−1) zeros between filter taps: a dilation-1 filter equal to `f` at dilation d. */
function dilateFilter(f: HostTensor, dh: number, dw: number): HostTensor {
  const [kh, kw, c, m] = f.shape as [number, number, number, number];
  const eh = (kh - 1) * dh + 1;
  const ew = (kw - 1) * dw + 1;
  const out = new Float32Array(eh * ew * c * m);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) out.set(f.values.subarray((i * kw + j) * c * m, (i * kw + j + 1) * c * m), (i * dh * ew + j * dw) * c * m);
  }
  return { values: out, shape: [eh, ew, c, m] };
}

/** Keeps the taps of a dilated filter gradient that belong to the undilated filter. */
function undilate(g: HostTensor, kh: number, kw: number, dh: number, dw: number): HostTensor {
  const [, ew, c, m] = g.shape as [number, number, number, number];
  const out = new Float32Array(kh * kw * c * m);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) out.set(g.values.subarray((i * dh * ew + j * dw) * c * m, (i * dh * ew + j * dw + 1) * c * m), (i * kw + j) * c * m);
  }
  return { values: out, shape: [kh, kw, c, m] };
}

interface DwCase {
  x: [number, number, number, number];
  k: [number, number];
  m: number;
  strides: Pair;
  dil: Pair;
  pad: Pad;
}

const dwCases: DwCase[] = [];
for (const x of [
  [2, 7, 7, 3],
  [3, 8, 8, 4],
  [1, 9, 6, 2],
] as [number, number, number, number][]) {
  for (const k of [
    [3, 3],
    [1, 1],
    [5, 3],
  ] as [number, number][]) {
    for (const [strides, dil] of [
      [1, 1],
      [2, 1],
      [[2, 1], 1],
      [1, 2],
      [2, [2, 1]],
    ] as [Pair, Pair][]) {
      for (const pad of PADS) {
        for (const m of [1, 2]) {
          if (m === 2 && (k[0] === 1 || pad === explicit)) continue; // keep the grid small
          dwCases.push({ x, k, m, strides, dil, pad });
        }
      }
    }
  }
}
dwCases.push({ x: [2, 6, 7, 3], k: [2, 2], m: 1, strides: 1, dil: 1, pad: wide }, { x: [2, 6, 7, 3], k: [2, 2], m: 2, strides: 2, dil: 1, pad: wide });
// Multiplier 1 with channels a multiple of 4 takes the SIMD kernel: 20 channels are a 16-wide block and a 4-wide one.
for (const pad of PADS) {
  for (const [strides, dil] of [[1, 1], [2, 1], [1, 2]] as [Pair, Pair][]) dwCases.push({ x: [2, 9, 8, 20], k: [3, 3], m: 1, strides, dil, pad });
}
dwCases.push({ x: [16, 16, 16, 32], k: [3, 3], m: 1, strides: 1, dil: 1, pad: 'same' });

bothPaths('DepthwiseConv2dNativeBackpropInput and -Filter (wasm vs cpu)', () => {
  // The cpu kernels ignore dilations in the input gradient, so the reference runs at dilation 1 with the filter
  // dilated by inserting zeros, which is the same convolution.
  test(`${dwCases.length} shape/multiplier/stride/dilation/padding cases`, async () => {
    let n = 0;
    for (const [i, c] of dwCases.entries()) {
      const [dh, dw] = typeof c.dil === 'number' ? [c.dil, c.dil] : c.dil;
      const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.m];
      const out = convOut(c.x, filterShape, c.strides, c.dil, c.pad, true);
      if (!out) continue;
      n++;
      const x = host(c.x, 30 + i);
      const dy = host(out, 3000 + i);
      const filter = host(filterShape, 4000 + i);
      const dilated = dilateFilter(filter, dh, dw);
      const what = label(c);
      const base = { strides: c.strides, pad: c.pad };
      const gotIn = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...base, dilations: c.dil, inputShape: c.x });
      const wantIn = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: dilated }, { ...base, dilations: 1, inputShape: c.x });
      check(gotIn, wantIn, `input ${what}`);
      const gotF = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...base, dilations: c.dil, filterShape });
      const wantWide = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...base, dilations: 1, filterShape: dilated.shape });
      check(gotF, undilate(wantWide, c.k[0], c.k[1], dh, dw), `filter ${what}`);
    }
    assert.ok(n > 80, `only ${n} valid cases`);
  });
});

bothPaths('MaxPoolGrad (wasm vs cpu)', () => {
  test('windows, strides and paddings, with ties after relu', async () => {
    let i = 0;
    // Channels a multiple of 4 take the SIMD 2x2/2 kernel; odd sizes leave a row and a column outside every window.
    for (const xShape of [
      [2, 8, 8, 3],
      [1, 7, 9, 5],
      [2, 8, 8, 8],
      [3, 7, 9, 4],
    ]) {
      for (const [filterSize, strides] of [
        [2, 2],
        [3, 2],
        [3, 1],
        [[2, 3], [1, 2]],
      ] as [Pair, Pair][]) {
        for (const pad of ['valid', 'same', 1] as const) {
          for (const relu of [false, true]) {
            i++;
            const x = host(xShape, 50 + i);
            if (relu) x.values.forEach((v, j) => (x.values[j] = Math.max(0, Math.round(v * 2) / 2)));
            const attrs = { filterSize, strides, pad, dimRoundingMode: pad === 1 ? 'floor' : undefined };
            const output = await runKernel('cpu', 'MaxPool', { x }, attrs);
            const dy = host(output.shape, 5000 + i);
            const inputs = { dy, input: x, output };
            check(await runKernel('wasm', 'MaxPoolGrad', inputs, attrs), await runKernel('cpu', 'MaxPoolGrad', inputs, attrs), label(xShape, attrs, relu));
          }
        }
      }
    }
  });
});

bothPaths('Add and Sub of a per-channel vector (wasm vs cpu)', () => {
  test('per-channel b of rank 1 to 4, and shapes that take the original kernel', async () => {
    const cases: [number[], number[]][] = [
      [[64, 28, 28, 16], [16]], // a bias add
      [[8, 5, 5, 12], [1, 1, 1, 12]], // BatchNorm's x − mean
      [[3, 20], [1, 20]],
      [[12], [12]],
      [[4, 3, 6], [6]], // 6 channels: original kernel
      [[4, 3, 8], [3, 8]], // not per channel: original kernel
      [[8], [2, 8]], // b broadcasts a: original kernel
    ];
    for (const kernel of ['Add', 'Sub']) {
      for (const [k, [aShape, bShape]] of cases.entries()) {
        const inputs = { a: host(aShape, 700 + k), b: host(bShape, 800 + k) };
        check(await runKernel('wasm', kernel, inputs, {}), await runKernel('cpu', kernel, inputs, {}), `${kernel} ${label(aShape, bShape)}`);
      }
    }
  });
});

bothPaths('Sum and Mean (wasm vs cpu)', () => {
  test('contiguous axes before the last (the SIMD column sums), other axes, keepDims', async () => {
    const cases: [number[], number[], boolean][] = [
      [[64, 28, 28, 16], [0, 1, 2], false], // a bias gradient / BatchNorm statistics: 50,176 rows
      [[5, 3, 8], [0, 1], true],
      [[7, 12], [0], false],
      [[3, 5, 20], [0], false], // 100 columns: six 16-wide blocks and a 4-wide tail
      [[300, 4], [0], false], // more than one 256-row block
      [[6, 4, 4, 12], [1, 2], false], // global average pooling: one slab per image
      [[2, 3, 4, 5, 8], [1, 2], true], // a middle run with 40 elements after it
      [[6, 6], [0], false], // 6 columns: not a multiple of 4, original kernel
      [[4, 5, 8], [1, 2], false], // trailing axes, original kernel
      [[4, 5, 8], [0, 2], true], // not contiguous, original kernel
    ];
    for (const kernel of ['Sum', 'Mean']) {
      for (const [k, [shape, axis, keepDims]] of cases.entries()) {
        const x = host(shape, 300 + k);
        const attrs = { axis, keepDims };
        check(await runKernel('wasm', kernel, { x }, attrs), await runKernel('cpu', kernel, { x }, attrs), `${kernel} ${label(shape, attrs)}`);
      }
    }
  });
});

/** Gradients of Σ f(inputs)·w with respect to every input, on `backend` (w fixed random, so dy is not uniform). */
async function gradsOn(backend: 'cpu' | 'wasm', f: (...xs: Tensor[]) => Tensor, inputs: HostTensor[], outShape: number[]): Promise<HostTensor[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((v) => tf.tensor(v.values, v.shape));
    const w = tf.tensor(host(outShape, 4242).values, outShape);
    const gs = tf.grads((...a: Tensor[]) => tf.sum(tf.mul(f(...a), w)))(xs);
    return gs.map((g) => ({ values: g.dataSync() as Float32Array, shape: g.shape }));
  });
}

bothPaths('BatchNorm forward, and the fused gradients of ReLU6 (ClipByValue) and BatchNorm (wasm vs cpu)', () => {
  test('clip: values on both bounds, lengths with and without a tail of < 4', async () => {
    for (const shape of [[2, 6, 6, 8], [3, 5, 7]]) {
      const x = host(shape, 600);
      x.values.forEach((v, j) => (x.values[j] = j % 7 === 0 ? 0 : j % 11 === 0 ? 6 : v * 8)); // exact 0 and 6, and beyond
      const f = (t: Tensor) => tf.clipByValue(t, 0, 6);
      check((await gradsOn('wasm', f, [x], shape))[0]!, (await gradsOn('cpu', f, [x], shape))[0]!, `clip ${label(shape)}`);
    }
  });
  test('relu and square: values at 0, lengths with and without a tail of < 4', async () => {
    for (const shape of [[2, 6, 6, 8], [3, 5, 7]]) {
      const x = host(shape, 630);
      x.values.forEach((v, j) => (x.values[j] = j % 5 === 0 ? 0 : v)); // relu's gradient is 0 at exactly 0
      for (const [name, f] of [
        ['relu', (t: Tensor) => tf.relu(t)],
        ['square', (t: Tensor) => tf.square(t)],
      ] as const) {
        check((await gradsOn('wasm', f, [x], shape))[0]!, (await gradsOn('cpu', f, [x], shape))[0]!, `${name} ${label(shape)}`);
      }
    }
  });
  test('batchnorm forward: with and without scale and offset, channels a multiple of 4 (SIMD) and not', async () => {
    for (const [i, [shape, withScale, withOffset]] of ([
      [[8, 5, 5, 12], true, true],
      [[600, 20], true, true],
      [[4, 3, 3, 8], false, true],
      [[4, 3, 3, 8], true, false],
      [[2, 3, 3, 16], false, false],
      [[4, 3, 3, 6], true, true],
    ] as [number[], boolean, boolean][]).entries()) {
      const C = shape.at(-1)!;
      const inputs: Record<string, HostTensor> = {
        x: { values: host(shape, 620 + i).values.map((v) => 50 + 10 * v), shape }, // far from 0: (x − mean) matters
        mean: { values: host([C], 621).values.map((v) => 50 + v), shape: [C] },
        variance: { values: host([C], 622).values.map((v) => 0.5 + Math.abs(v)), shape: [C] },
      };
      if (withScale) inputs.scale = host([C], 623);
      if (withOffset) inputs.offset = host([C], 624);
      const attrs = { varianceEpsilon: 1e-3 };
      check(await runKernel('wasm', 'FusedBatchNorm', inputs, attrs), await runKernel('cpu', 'FusedBatchNorm', inputs, attrs), `batchnorm forward ${label(shape, withScale, withOffset)}`);
    }
  });
  test('batchnorm: all five gradients, channels a multiple of 4 (SIMD) and not', async () => {
    // (tf.batchNorm without a scale cannot be differentiated on any backend in tfjs 4.22: the tape clones the
    // missing input; tf.layers always passes one.)
    for (const shape of [
      [8, 5, 5, 12],
      [600, 20], // more than one 256-row block; 8 + 8 + 4 channels
      [4, 3, 3, 6],
    ]) {
      const C = shape.at(-1)!;
      const ins = [host(shape, 610), host([C], 611), { values: host([C], 612).values.map((v) => 0.5 + Math.abs(v)), shape: [C] }, host([C], 613), host([C], 614)];
      const f = (a: Tensor, m: Tensor, v: Tensor, s: Tensor, o: Tensor) => tf.batchNorm(a, m, v, o, s, 1e-3);
      const got = await gradsOn('wasm', f as (...xs: Tensor[]) => Tensor, ins, shape);
      const want = await gradsOn('cpu', f as (...xs: Tensor[]) => Tensor, ins, shape);
      for (const [j, g] of got.entries()) check(g, want[j]!, `batchnorm ${label(shape)} input ${j}`);
    }
  });
});

describe('Tile (wasm vs cpu)', () => {
  test('ranks 1-5, float32 and int32', async () => {
    const cases: [number[], number[]][] = [
      [[3], [4]],
      [[2, 3], [1, 1]],
      [[2, 3], [3, 2]],
      [[1, 1, 1, 5], [4, 3, 2, 1]],
      [[2, 1, 3, 2], [1, 4, 1, 3]],
      [[2, 2, 1, 1, 3], [2, 1, 3, 2, 1]],
    ];
    for (const [k, [shape, reps]] of cases.entries()) {
      const x = host(shape, 70 + k);
      check(await runKernel('wasm', 'Tile', { x }, { reps }), await runKernel('cpu', 'Tile', { x }, { reps }), label(shape, reps));
      for (const backend of ['wasm', 'cpu'] as const) await tf.setBackend(backend);
      const ints = Int32Array.from(x.values, (v) => Math.round(v * 100));
      const run = async (b: 'wasm' | 'cpu') => {
        await tf.setBackend(b);
        return tf.tidy(() => Array.from(tf.tile(tf.tensor(ints, shape, 'int32'), reps).dataSync()));
      };
      assert.deepEqual(await run('wasm'), await run('cpu'), `int32 ${label(shape, reps)}`);
    }
  });
});

describe('BatchMatMul with transposes (wasm vs cpu)', () => {
  test('transposeA, transposeB, both', async () => {
    for (const [transposeA, transposeB] of [[true, false], [false, true], [true, true]]) {
      const a = host(transposeA ? [2, 7, 3] : [2, 3, 7], 90);
      const b = host(transposeB ? [2, 5, 7] : [2, 7, 5], 91);
      const attrs = { transposeA, transposeB };
      check(await runKernel('wasm', 'BatchMatMul', { a, b }, attrs), await runKernel('cpu', 'BatchMatMul', { a, b }, attrs), label(attrs));
    }
  });
  test('transposeA of one matrix pair (a dense weight gradient): odd and wide sizes', async () => {
    for (const [n, ci, co] of [
      [7, 3, 5],
      [64, 50, 10],
      [33, 17, 24],
      [64, 300, 64],
    ] as [number, number, number][]) {
      const a = host([1, n, ci], 92);
      const b = host([1, n, co], 93);
      const attrs = { transposeA: true, transposeB: false };
      check(await runKernel('wasm', 'BatchMatMul', { a, b }, attrs), await runKernel('cpu', 'BatchMatMul', { a, b }, attrs), label(n, ci, co));
    }
  });
});

describe('Identity and same-dtype Cast share memory safely (wasm)', () => {
  test('a clone or cast outlives its source; real casts still convert', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const x = tf.tensor([1.5, -2.25, 3]);
    const y = tf.clone(x);
    x.dispose();
    const z = tf.cast(y, 'float32');
    y.dispose();
    assert.deepEqual(Array.from(z.dataSync()), [1.5, -2.25, 3]);
    const i = tf.cast(z, 'int32');
    assert.equal(i.dtype, 'int32');
    assert.deepEqual(Array.from(i.dataSync()), [1, -2, 3]);
    tf.dispose([z, i]);
    assert.equal(backend.numDataIds(), ids);
  });
});
