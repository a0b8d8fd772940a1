import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestCandidate, searchCandidates, type Measurement } from '../../../src/sizing/search.js';
import { groupOf, type Candidate } from '../../../src/sizing/candidates.js';
import { candidateTable } from '../../../src/sizing/report.js';

/** Candidates w ∈ {1, 2, 4, 8} × depth ∈ {1, 2}: params = 100·w·d, weights 4 bytes each (fp32). */
const cands: Candidate<{ width: number; depth: number }>[] = [1, 2].flatMap((depth) =>
  [1, 2, 4, 8].map((width) => ({ params: { width, depth }, description: `w${width} d${depth}`, paramCount: 100 * width * depth, estBytes: 400 * width * depth, group: groupOf({ width, depth }) })),
).sort((a, b) => a.paramCount - b.paramCount);

/** A fake target: latency 0.1 ms per 100 params (so p50 = paramCount / 1000), p95 = 1.5·p50, artifact = weights + 100 bytes. */
function fakeMeasurer() {
  const calls: string[] = [];
  const measure = async (c: Candidate): Promise<Measurement> => {
    calls.push(c.description);
    const p50Ms = c.paramCount / 1000;
    return { bytes: c.estBytes + 100, gzipBytes: c.estBytes, p50Ms, p95Ms: 1.5 * p50Ms, samples: 20 };
  };
  return { calls, measure };
}

test('groupOf drops the width knob only', () => {
  assert.equal(groupOf({ width: 2, depth: 3 }), '{"depth":3}');
  assert.equal(groupOf({ depth: 3, hidden: 64 }), '{"depth":3}');
  assert.equal(groupOf({ width: 1, dense: 64 }), '{"dense":64}');
});

test('walks each depth from wide to narrow, skips over-byte members unmeasured, stops at the first fit', async () => {
  // Budget: 5000 bytes, p50 ≤ 0.45 ms. Depth 1: w8 (3200 B, 0.8 ms) too slow, w4 (1600 B, 0.4 ms) fits → w2, w1 assumed.
  // Depth 2: w8 (6400 B) over bytes (not measured), w4 (3200 B, 0.8 ms) too slow, w2 (1600 B, 0.4 ms) fits → w1 assumed.
  const { calls, measure } = fakeMeasurer();
  const { rows, chosen } = await searchCandidates(cands, { maxBytes: 5000, maxP50Ms: 0.45 }, measure);
  assert.deepEqual(calls, ['w8 d1', 'w4 d1', 'w4 d2', 'w2 d2']);
  const verdict = Object.fromEntries(rows.map((r) => [r.description, r.verdict]));
  assert.deepEqual(verdict, {
    'w1 d1': 'assumed-fits', 'w2 d1': 'assumed-fits', 'w1 d2': 'assumed-fits', 'w4 d1': 'fits',
    'w2 d2': 'fits', 'w8 d1': 'over-budget', 'w4 d2': 'over-budget', 'w8 d2': 'over-bytes',
  });
  // w4 d1 and w2 d2 both have 400 params; the first of equal size in the table (smallest-first order) wins the tie.
  assert.equal(chosen?.paramCount, 400);
  assert.deepEqual(rows.find((r) => r.description === 'w8 d1')!.reasons, ['p50 0.800 ms > 0.450 ms']);
  // Rows come back in the candidates' order (smallest first).
  assert.deepEqual(rows.map((r) => r.paramCount), cands.map((c) => c.paramCount));
});

test('p95 and measured bytes (graph included) count, not just the weight estimate', async () => {
  // p95 ≤ 0.5 ms → p50 ≤ 0.333: w2 d1 (0.2 ms, p95 0.3) fits, w4 d1 (p95 0.6) does not.
  // maxBytes 1650: w4 d1's weights (1600) pass the prefilter, but its artifact (1700) does not.
  const { measure } = fakeMeasurer();
  const { rows, chosen } = await searchCandidates(cands, { maxBytes: 1650, maxP50Ms: 10, maxP95Ms: 0.5 }, measure);
  assert.equal(chosen?.description, 'w2 d1');
  const w4 = rows.find((r) => r.description === 'w4 d1')!;
  assert.equal(w4.verdict, 'over-budget');
  assert.deepEqual(w4.reasons, ['bytes 1700 > 1650', 'p95 0.600 ms > 0.500 ms']);
});

test('nothing fits: every affordable member is measured and the closest is the fastest', async () => {
  const { calls, measure } = fakeMeasurer();
  const { rows, chosen } = await searchCandidates(cands, { maxBytes: 2000, maxP50Ms: 0.05 }, measure);
  assert.equal(chosen, undefined);
  assert.deepEqual(calls, ['w4 d1', 'w2 d1', 'w1 d1', 'w2 d2', 'w1 d2']);
  assert.equal(closestCandidate(rows)?.description, 'w1 d1');
  // Nothing measured (everything over bytes): the closest is the one with the fewest weight bytes.
  const none = await searchCandidates(cands, { maxBytes: 100, maxP50Ms: 1 }, measure);
  assert.equal(closestCandidate(none.rows)?.description, 'w1 d1');
  assert.equal(none.rows.every((r) => r.verdict === 'over-bytes'), true);
});

test('a failed measurement is an error row and the walk goes on', async () => {
  const { measure } = fakeMeasurer();
  const flaky = async (c: Candidate) => (c.description === 'w8 d1' ? Promise.reject(new Error('boom\nstack')) : measure(c));
  const { rows, chosen } = await searchCandidates(cands, { maxP50Ms: 0.45 }, flaky);
  assert.deepEqual(rows.find((r) => r.description === 'w8 d1')!.reasons, ['boom']);
  assert.equal(chosen?.paramCount, 400);
  const table = candidateTable(rows, chosen?.description);
  assert.match(table.join('\n'), /w8 d1 .* error: boom/);
});
