/**
 * The report's three inline SVG charts: batch-1 latency per target (student vs teacher), accuracy against latency
 * with the targets' p50 budgets, and size per artifact with the byte budgets.
 */
import type { BenchResults, BenchRow } from '../bench/results.js';
import { fmtBytes, fmtMs, fmtPct, rowLabel } from './format.js';
import { clip, el, linearScale, logScale, svgRoot, text, tip } from './svg.js';

/** Chart colours: student blue, teacher amber, budgets red. */
export const COLORS = { student: '#2563eb', teacher: '#d97706', budget: '#dc2626', grid: '#e5e7eb', axis: '#6b7280', muted: '#9ca3af' };
/** One colour per target in the scatter plot. */
const PALETTE = ['#2563eb', '#16a34a', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#b91c1c', '#7c3aed', '#475569'];

const W = 920;
const FONT = { 'font-family': 'system-ui, sans-serif', 'font-size': 11 };

function empty(title: string): string {
  return svgRoot(W, 60, title, text(W / 2, 34, 'no measurements to plot', { ...FONT, 'text-anchor': 'middle', fill: COLORS.axis }));
}

function xAxis(x: ReturnType<typeof logScale>, y0: number, y1: number, label: string, fmt: (v: number) => string): string {
  return (
    x.ticks
      .map((t) => el('line', { x1: x(t), x2: x(t), y1: y0, y2: y1, stroke: COLORS.grid }) + text(x(t), y1 + 14, fmt(t), { ...FONT, 'text-anchor': 'middle', fill: COLORS.axis }))
      .join('') + text((x(x.domain[0]) + x(x.domain[1])) / 2, y1 + 30, label, { ...FONT, 'text-anchor': 'middle', fill: COLORS.axis })
  );
}

function legend(x: number, y: number, items: { label: string; color: string; dash?: boolean }[]): string {
  let cx = x;
  return items
    .map((it) => {
      const mark = it.dash
        ? el('line', { x1: cx, x2: cx + 14, y1: y - 4, y2: y - 4, stroke: it.color, 'stroke-width': 2, 'stroke-dasharray': '4 3' })
        : el('rect', { x: cx, y: y - 9, width: 12, height: 10, fill: it.color });
      const s = mark + text(cx + 18, y, it.label, { ...FONT, fill: '#111827' });
      cx += 30 + it.label.length * 6.2;
      return s;
    })
    .join('');
}

/** Axis tick text: 0.01, 0.5, 2, 100 (no trailing zeros). */
function fmtTick(v: number): string {
  return String(Number(v.toPrecision(3)));
}

const okLatency = (r: BenchRow) => r.status === 'ok' && r.latency !== undefined;

/** Horizontal bars of p50 at batch 1 per target (whisker to p95), student artifacts and teacher side by side. */
export function latencyChart(res: BenchResults): string {
  const title = 'Latency at batch 1 per target: p50 bar, whisker to p95 (log scale)';
  const rows = res.rows.filter(okLatency);
  if (!rows.length) return empty(title);
  const left = 300;
  const right = W - 70;
  const values = rows.flatMap((r) => [r.latency!.p50, r.latency!.p95]);
  const budgets = res.targets.map((t) => t.budget.maxP50Ms).filter((v): v is number => v !== undefined);
  const x = logScale(Math.min(...values), Math.max(...values, ...budgets.filter((b) => b <= Math.max(...values) * 20)), left, right);
  const bar = 14;
  let y = 40;
  let body = '';
  for (const t of res.targets) {
    const mine = rows.filter((r) => r.target === t.id);
    const gpuNote = mine.some((r) => r.device?.softwareEmulated);
    if (!mine.length) {
      const why = t.status === 'skipped' ? `skipped: ${t.reason ?? ''}` : 'no latency measured';
      body += text(8, y + 11, clip(t.id, 40), { ...FONT, 'font-weight': 600, fill: COLORS.muted }) + text(left, y + 11, clip(why, 110), { ...FONT, fill: COLORS.muted });
      y += bar + 12;
      continue;
    }
    const top = y;
    body += text(8, y + 11, clip(t.id, 30), { ...FONT, 'font-weight': 600, fill: '#111827' });
    if (gpuNote) body += text(8, y + 25, 'software-emulated GPU', { ...FONT, 'font-size': 10, 'font-style': 'italic', fill: COLORS.axis });
    for (const r of mine) {
      const l = r.latency!;
      const color = r.model === 'teacher' ? COLORS.teacher : COLORS.student;
      const label = rowLabel(r);
      body += el(
        'g',
        { class: 'bar' },
        tip(`${t.id} · ${label}: p50 ${fmtMs(l.p50)} ms, p95 ${fmtMs(l.p95)} ms, mean ${fmtMs(l.mean)} ms (n=${l.n})`) +
          text(left - 6, y + 11, clip(label, 26), { ...FONT, 'text-anchor': 'end', fill: '#374151' }) +
          el('rect', { x: left, y, width: Math.max(1, x(l.p50) - left), height: bar, fill: color, rx: 2 }) +
          el('line', { x1: x(l.p50), x2: x(l.p95), y1: y + bar / 2, y2: y + bar / 2, stroke: '#111827' }) +
          el('line', { x1: x(l.p95), x2: x(l.p95), y1: y + 3, y2: y + bar - 3, stroke: '#111827' }) +
          text(x(l.p95) + 4, y + 11, `${fmtMs(l.p50)} ms`, { ...FONT, fill: '#111827' }),
      );
      y += bar + 4;
    }
    // Room for the second label line of a lone bar.
    if (gpuNote && mine.length === 1) y += 10;
    if (t.budget.maxP50Ms !== undefined) {
      const bx = x(t.budget.maxP50Ms);
      body += el('line', { x1: bx, x2: bx, y1: top - 2, y2: y - 2, stroke: COLORS.budget, 'stroke-width': 2, 'stroke-dasharray': '4 3' }, tip(`${t.id} budget: p50 ≤ ${t.budget.maxP50Ms} ms`));
    }
    y += 10;
  }
  const axis = xAxis(x, 30, y, 'milliseconds per inference (batch 1)', fmtTick);
  const leg = legend(8, 18, [{ label: 'student', color: COLORS.student }, { label: 'teacher', color: COLORS.teacher }, { label: 'p50 budget', color: COLORS.budget, dash: true }]);
  return svgRoot(W, y + 40, title, axis + body + leg);
}

/** Accuracy (by each runtime) against p50 latency, one point per measured row; dashed lines at the p50 budgets. */
export function accuracyLatencyChart(res: BenchResults): string {
  const title = 'Test accuracy against latency at batch 1 (log scale), with the targets\' p50 budgets';
  const rows = res.rows.filter((r) => okLatency(r) && r.accuracy !== undefined);
  if (!rows.length) return empty(title);
  const left = 60;
  const right = W - 200;
  const top = 30;
  const bottom = 330;
  const lat = rows.map((r) => r.latency!.p50);
  const budgetMap = new Map<number, string[]>();
  for (const t of res.targets) if (t.budget.maxP50Ms !== undefined) budgetMap.set(t.budget.maxP50Ms, [...(budgetMap.get(t.budget.maxP50Ms) ?? []), t.id]);
  const x = logScale(Math.min(...lat, ...budgetMap.keys()), Math.max(...lat, ...budgetMap.keys()), left, right);
  const accs = rows.map((r) => r.accuracy!.value * 100);
  const y = linearScale(Math.max(0, Math.min(...accs) - 2), Math.min(100, Math.max(...accs) + 1), bottom, top);
  let body = y.ticks
    .map((t) => el('line', { x1: left, x2: right, y1: y(t), y2: y(t), stroke: COLORS.grid }) + text(left - 6, y(t) + 4, `${t}%`, { ...FONT, 'text-anchor': 'end', fill: COLORS.axis }))
    .join('');
  body += xAxis(x, top, bottom, 'p50 milliseconds (batch 1)', fmtTick);
  body += text(14, (top + bottom) / 2, 'test accuracy', { ...FONT, fill: COLORS.axis, transform: `rotate(-90 14 ${(top + bottom) / 2})`, 'text-anchor': 'middle' });
  [...budgetMap.entries()]
    .sort((a, b) => a[0] - b[0])
    .forEach(([ms, ids], i) => {
      const bx = x(ms);
      body += el('line', { x1: bx, x2: bx, y1: top, y2: bottom, stroke: COLORS.budget, 'stroke-dasharray': '4 3' }, tip(`p50 budget ${ms} ms: ${ids.join(', ')}`));
      // Staggered so that neighbouring budgets' labels do not overprint.
      const nearRight = bx > right - 50;
      body += text(nearRight ? bx - 3 : bx + 3, top + 10 + (i % 3) * 12, `≤ ${ms} ms`, { ...FONT, fill: COLORS.budget, 'text-anchor': nearRight ? 'end' : 'start' }, );
    });
  const targetIds = [...new Set(rows.map((r) => r.target))];
  const color = (id: string) => PALETTE[targetIds.indexOf(id) % PALETTE.length]!;
  for (const r of rows) {
    const px = x(r.latency!.p50);
    const py = y(r.accuracy!.value * 100);
    const t = tip(`${r.target} · ${rowLabel(r)}: p50 ${fmtMs(r.latency!.p50)} ms, accuracy ${fmtPct(r.accuracy!.value)}`);
    body +=
      r.model === 'teacher'
        ? el('rect', { x: px - 5, y: py - 5, width: 10, height: 10, fill: 'white', stroke: color(r.target), 'stroke-width': 2, class: 'point' }, t)
        : el('circle', { cx: px, cy: py, r: 5, fill: color(r.target), class: 'point' }, t);
  }
  // Legend: colours are targets, shapes are models.
  let ly = top + 4;
  body += el('circle', { cx: right + 24, cy: ly, r: 5, fill: '#374151' }) + text(right + 34, ly + 4, 'student', FONT);
  ly += 16;
  body += el('rect', { x: right + 19, y: ly - 5, width: 10, height: 10, fill: 'white', stroke: '#374151', 'stroke-width': 2 }) + text(right + 34, ly + 4, 'teacher', FONT);
  ly += 22;
  for (const id of targetIds) {
    body += el('rect', { x: right + 19, y: ly - 5, width: 10, height: 10, fill: color(id) }) + text(right + 34, ly + 4, clip(id, 26), FONT);
    ly += 16;
  }
  return svgRoot(W, Math.max(bottom + 40, ly + 10), title, body);
}

/** Raw and gzip bytes of every artifact measured, with dashed lines at the targets' byte budgets. */
export function sizeChart(res: BenchResults): string {
  const title = 'Size per artifact: raw and gzip bytes, with the targets\' byte budgets';
  const seen = new Map<string, BenchRow>();
  for (const r of res.rows) {
    if (!r.artifact) continue;
    const key = `${r.model} ${r.artifact.format} ${r.artifact.precision} ${r.artifact.dir} ${r.artifact.entry}`;
    if (!seen.has(key)) seen.set(key, r);
  }
  const items = [...seen.values()];
  if (!items.length) return empty(title);
  const left = 250;
  const right = W - 90;
  const budgetMap = new Map<number, string[]>();
  for (const t of res.targets) if (t.budget.maxBytes !== undefined) budgetMap.set(t.budget.maxBytes, [...(budgetMap.get(t.budget.maxBytes) ?? []), t.id]);
  const maxBytes = Math.max(...items.map((r) => r.artifact!.bytes));
  const shownBudgets = [...budgetMap.entries()].filter(([b]) => b <= maxBytes * 3);
  const x = linearScale(0, Math.max(maxBytes, ...shownBudgets.map(([b]) => b)), left, right);
  const bar = 11;
  let y = 40;
  let body = '';
  for (const r of items) {
    const a = r.artifact!;
    const color = r.model === 'teacher' ? COLORS.teacher : COLORS.student;
    const label = `${rowLabel(r)} (${a.dir === '.' ? '' : a.dir + '/'}${a.entry})`;
    body += el(
      'g',
      { class: 'bar' },
      tip(`${label}: ${fmtBytes(a.bytes)} raw, ${fmtBytes(a.gzipBytes)} gzip`) +
        text(left - 6, y + 15, clip(label, 40), { ...FONT, 'text-anchor': 'end', fill: '#374151' }) +
        el('rect', { x: left, y, width: Math.max(1, x(a.bytes) - left), height: bar, fill: color, rx: 2 }) +
        el('rect', { x: left, y: y + bar + 1, width: Math.max(1, x(a.gzipBytes) - left), height: bar, fill: color, opacity: 0.45, rx: 2 }) +
        text(x(a.bytes) + 4, y + 9, fmtBytes(a.bytes), { ...FONT, fill: '#111827' }) +
        text(x(a.gzipBytes) + 4, y + bar + 10, `${fmtBytes(a.gzipBytes)} gzip`, { ...FONT, fill: COLORS.axis }),
    );
    y += 2 * bar + 10;
  }
  const offScale = [...budgetMap.keys()].filter((b) => b > maxBytes * 3).sort((a, b) => a - b);
  if (offScale.length) {
    body += text(right, y + 4, `byte budgets ${offScale.map((b) => fmtBytes(b)).join(', ')}: far off this scale →`, { ...FONT, 'text-anchor': 'end', fill: COLORS.budget });
    y += 8;
  }
  for (const [b, ids] of shownBudgets) {
    body += el('line', { x1: x(b), x2: x(b), y1: 32, y2: y, stroke: COLORS.budget, 'stroke-width': 2, 'stroke-dasharray': '4 3' }, tip(`byte budget ${fmtBytes(b)}: ${ids.join(', ')}`));
    body += text(x(b) + 3, 30, `≤ ${fmtBytes(b)}`, { ...FONT, fill: COLORS.budget });
  }
  const axis = xAxis(x, 32, y - (offScale.length ? 8 : 0), 'bytes', (v) => fmtBytes(v));
  const leg = legend(8, 18, [{ label: 'student', color: COLORS.student }, { label: 'teacher', color: COLORS.teacher }, { label: 'byte budget', color: COLORS.budget, dash: true }]);
  return svgRoot(W, y + 40, title, axis + body + leg);
}
