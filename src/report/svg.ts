/** Tiny SVG helpers for the report's charts: scales with ticks, and escaped elements. No dependencies, no script. */
import { escapeHtml as esc } from './escape.js';

export interface Scale {
  (v: number): number;
  ticks: number[];
  domain: [number, number];
}

/** A log10 scale over [min, max] widened to whole 1-2-5 steps; ticks at 1, 2, 5 × 10^k (only 10^k when wide). */
export function logScale(min: number, max: number, r0: number, r1: number): Scale {
  const lo0 = Math.max(min, 1e-9);
  const hi0 = Math.max(max, lo0 * 1.0001);
  const steps = [1, 2, 5];
  const floorStep = (v: number) => {
    const k = Math.floor(Math.log10(v));
    const m = v / 10 ** k;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * 10 ** k;
  };
  const ceilStep = (v: number) => {
    const k = Math.floor(Math.log10(v));
    const m = v / 10 ** k;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * 10 ** k;
  };
  const lo = floorStep(lo0);
  const hi = ceilStep(hi0);
  const l0 = Math.log10(lo);
  const l1 = Math.log10(hi);
  const f = ((v: number) => r0 + ((Math.log10(Math.min(Math.max(v, lo), hi)) - l0) / (l1 - l0)) * (r1 - r0)) as Scale;
  const wide = l1 - l0 > 3;
  const ticks: number[] = [];
  for (let k = Math.floor(l0); k <= Math.ceil(l1); k++) {
    for (const s of wide ? [1] : steps) {
      const v = s * 10 ** k;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(Number(v.toPrecision(3)));
    }
  }
  f.ticks = ticks;
  f.domain = [lo, hi];
  return f;
}

/** A linear scale over [min, max] widened to a "nice" step (1, 2 or 5 × 10^k), about five ticks. */
export function linearScale(min: number, max: number, r0: number, r1: number): Scale {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / 5;
  const k = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * k).find((s) => s >= raw)!;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step || step;
  const f = ((v: number) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0)) as Scale;
  f.ticks = [];
  for (let v = lo; v <= hi + step / 2; v += step) f.ticks.push(Number(v.toPrecision(6)));
  f.domain = [lo, hi];
  return f;
}

/** An SVG element; attribute values and text are escaped. `children` is trusted SVG markup. */
export function el(tag: string, attrs: Record<string, string | number | undefined>, children = ''): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(typeof v === 'number' ? Number(v.toFixed(2)) : v)}"`)
    .join('');
  return `<${tag}${a}>${children}</${tag}>`;
}

/** A text element with escaped content. */
export function text(x: number, y: number, content: string, attrs: Record<string, string | number | undefined> = {}): string {
  return el('text', { x, y, ...attrs }, esc(content));
}

/** A tooltip (<title>) with escaped content. */
export function tip(content: string): string {
  return `<title>${esc(content)}</title>`;
}

/** Shortens `s` to `n` characters with an ellipsis. */
export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** The root <svg> with an accessible title. */
export function svgRoot(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="chart">${tip(title)}${body}</svg>`;
}
