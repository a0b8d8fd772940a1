/**
 * RUN/bench/report.html: the report's sections as one self-contained page (inline CSS and SVG, no script, nothing
 * fetched) that opens from disk.
 */
import type { BenchResults } from '../bench/results.js';
import { accuracyLatencyChart, latencyChart, sizeChart } from './charts.js';
import { escapeHtml as e } from './escape.js';
import { reportSections, type Cell, type ChartRef, type Column, type Flag, type Section, type Span, type Table } from './sections.js';

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pass { color: #15803d; font-weight: 600; } .fail { color: #b91c1c; font-weight: 600; } .muted { color: #6b7280; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #fef3c7; color: #92400e; margin-left: 4px; }
.quick { background: #fef3c7; border: 1px solid #f59e0b; padding: 8px 12px; border-radius: 6px; }
figure { margin: 16px 0; } figcaption { font-size: 13px; color: #4b5563; } svg.chart { max-width: 100%; height: auto; display: block; }
ul.meta { padding-left: 18px; } code { font-size: 12px; }
`;

const BADGE: Record<Flag, string> = { 'software-gpu': '<span class="badge" title="GPU emulated on the CPU (SwiftShader)">software-emulated</span>' };

function spans(s: Span[]): string {
  return s.map((x) => (typeof x === 'string' ? e(x) : 'code' in x ? `<code>${e(x.code)}</code>` : 'strong' in x ? `<strong>${e(x.strong)}</strong>` : BADGE[x.flag])).join('');
}

function td(c: Cell, column: Column): string {
  const cls = [column.num ? 'num' : '', c.tone ?? ''].filter(Boolean).join(' ');
  return `<td${cls ? ` class="${cls}"` : ''}${c.title ? ` title="${e(c.title)}"` : ''}>${e(c.text)}${c.flag ? BADGE[c.flag] : ''}</td>`;
}

function table(t: Table): string {
  const head = t.columns.map((c) => `<th>${e(c.head)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => td(c, t.columns[i]!)).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

const CHARTS: Record<ChartRef['chart'], (res: BenchResults) => string> = { latency: latencyChart, 'accuracy-latency': accuracyLatencyChart, size: sizeChart };

/** A section as parts of the page. */
function section(s: Section, res: BenchResults): string[] {
  const parts = [`<h2>${e(s.title)}</h2>${s.list ? '<ul>' : ''}`];
  if (s.list) parts.push(...s.list.map((item) => `<li>${spans(item)}</li>`), '</ul>');
  if (s.table) parts.push(table(s.table));
  for (const c of s.charts ?? []) parts.push(`<figure>${CHARTS[c.chart](res)}<figcaption>${e(c.caption)}</figcaption></figure>`);
  for (const n of s.notes ?? []) parts.push(`<p class="muted">${spans(n)}</p>`);
  return parts;
}

/** Renders the HTML report. Every string is escaped, so user data (class names, file names, reasons) stays text. */
export function renderHtml(res: BenchResults): string {
  const m = reportSections(res);
  const parts = [`<h1>${e(m.title)}</h1>`];
  if (m.banner) parts.push(`<p class="quick">${spans(m.banner)}</p>`);
  parts.push('<ul class="meta">', ...m.meta.map((item) => `<li>${spans(item)}</li>`), '</ul>');
  for (const s of m.sections) parts.push(...section(s, res));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(m.pageTitle)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}
