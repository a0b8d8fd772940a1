/**
 * Runs `fn` over 0..n-1 with at most `limit` calls in flight (sharp decodes on libuv's threads, so a few calls at once
 * keep them busy without queueing every file of a large folder). Stops starting new calls after the first failure
 * and rethrows, once the calls in flight have settled, the failure of the lowest index seen.
 */
export async function forEachLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: { i: number; e: unknown }[] = [];
  const worker = async () => {
    while (next < n && failures.length === 0) {
      const i = next++;
      try {
        await fn(i);
      } catch (e) {
        failures.push({ i, e });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, worker));
  if (failures.length > 0) throw failures.reduce((a, b) => (b.i < a.i ? b : a)).e;
}
