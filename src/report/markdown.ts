/** RUN/bench/report.md: the report's sections as Markdown tables and lists (for PRs, READMEs and terminals). */
import type { BenchResults } from '../bench/results.js';
import { escapeMd as e } from './escape.js';
import { reportSections, type Cell, type Flag, type Section, type Span, type Table } from './sections.js';

const MARK: Record<Flag, string> = { 'software-gpu': '†' };

function spans(s: Span[]): string {
  return s.map((x) => (typeof x === 'string' ? e(x) : 'code' in x ? `\`${e(x.code)}\`` : 'strong' in x ? `**${e(x.strong)}**` : MARK[x.flag])).join('');
}

const cellText = (c: Cell) => `${e(c.text)}${c.flag ? ` ${MARK[c.flag]}` : ''}`;

/** The table without its detail columns (the HTML report has those). */
function table(t: Table): string[] {
  const keep = t.columns.map((c) => !c.detail);
  const head = t.columns.filter((_, i) => keep[i]).map((c) => e(c.head));
  const rows = t.rows.map((r) => r.filter((_, i) => keep[i]).map(cellText));
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** A section as lines; none for one that only holds charts. */
function section(s: Section): string[] {
  const body = [...(s.table ? table(s.table) : []), ...(s.list ?? []).map((item) => `- ${spans(item)}`)];
  if (!body.length) return [];
  return [`## ${e(s.title)}`, '', ...body, '', ...(s.notes ?? []).flatMap((n) => [spans(n), ''])];
}

/** Renders the Markdown report. Every string is escaped, so user data (paths, class names, reasons) stays text. */
export function renderMarkdown(res: BenchResults): string {
  const m = reportSections(res);
  const out = [`# ${e(m.title)}`, ''];
  if (m.banner) out.push(`> ${spans(m.banner)}`, '');
  out.push(...m.meta.map((item) => `- ${spans(item)}`), '');
  for (const s of m.sections) out.push(...section(s));
  return out.join('\n');
}
