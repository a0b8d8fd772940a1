/** Mean and sample standard deviation (n − 1) of `xs`. */
export function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

/** Formats a fraction as "98.12 ± 0.20 %". */
export function pctPm(xs: number[]): string {
  const { mean, std } = meanStd(xs);
  return `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)} %`;
}
