/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The `k` names closest to `name` (for "did you mean" lists in errors). */
export function closestNames(name: string, names: string[], k = 5): string[] {
  return [...names].sort((x, y) => editDistance(name, x) - editDistance(name, y)).slice(0, k);
}
