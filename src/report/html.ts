/**
 * RUN/bench/report.html: one self-contained file (inline CSS and SVG, no script, nothing fetched) that opens from
 * disk. Every string from user data (class names, file names, reasons) is escaped.
 */
import type { BenchResults, BenchRow } from '../bench/results.js';
import { accuracyLatencyChart, latencyChart, sizeChart } from './charts.js';
import { escapeHtml as e } from './escape.js';
import { fmtBudget, fmtBytes, fmtMs, fmtPct, fmtRate, fmtRatio, rowLabel } from './format.js';
import { budgetText, perClassPair } from './markdown.js';

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

const num = (s: string) => `<td class="num">${s}</td>`;
const td = (s: string) => `<td>${s}</td>`;

function table(head: string[], rows: string[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function targetCell(r: BenchRow): string {
  return td(`${e(r.target)}${r.device?.softwareEmulated ? '<span class="badge" title="GPU emulated on the CPU (SwiftShader)">software-emulated</span>' : ''}`);
}

function budgetCell(r: BenchRow): string {
  if (!r.budget) return td('<span class="muted">–</span>');
  const why = r.budget.checks.map((c) => `${c.metric}: ${c.value === undefined ? 'not measured' : c.value.toPrecision(4)} ≤ ${c.limit}: ${c.pass ? 'pass' : 'FAIL'}`).join('\n');
  return `<td class="${r.budget.pass ? 'pass' : 'fail'}" title="${e(why)}">${e(fmtBudget(r))}</td>`;
}

/** Renders the HTML report. */
export function renderHtml(res: BenchResults): string {
  const ok = res.rows.filter((r) => r.status === 'ok');
  const notOk = res.rows.filter((r) => r.status !== 'ok');
  const parts: string[] = [];
  parts.push(`<h1>Benchmark of ${e(res.runDir)}</h1>`);
  if (res.quick) parts.push('<p class="quick"><strong>Quick run</strong> (<code>--quick</code>): few iterations and a capped test split. The numbers are indicative only.</p>');
  parts.push(
    '<ul class="meta">',
    `<li>Machine: ${e(res.machine.cpu)}, ${res.machine.cores} cores, ${e(fmtBytes(res.machine.memoryBytes))} RAM, ${e(res.machine.platform)}/${e(res.machine.arch)}, Node ${e(res.machine.node)}</li>`,
    `<li>Data: ${e(res.dataset.name)} (<code>${e(res.dataset.spec)}</code>), test split, ${res.dataset.samples} images, ${res.dataset.classNames.length} classes</li>`,
    `<li>Student: ${e(res.models.student.source)} (exports in <code>${e(res.models.student.exportDir)}</code>)</li>`,
    `<li>Teacher: <code>${e(res.models.teacher.path)}</code>; ONNX: ${e(res.models.teacher.onnx)}</li>`,
    `<li>Created ${e(res.createdAt)} by edge-distill ${e(res.tool.version)}</li>`,
    '</ul>',
  );
  parts.push(
    '<h2>Charts</h2>',
    `<figure>${latencyChart(res)}<figcaption>Warm latency at batch 1 on each target: the bar is the median (p50), the whisker reaches p95; the red dashed line is the target's p50 budget. Targets marked "software GPU" ran on SwiftShader.</figcaption></figure>`,
    `<figure>${accuracyLatencyChart(res)}<figcaption>Test accuracy computed by each runtime against its p50 latency. Up and to the left is better; a point right of a target's dashed line misses that target's p50 budget.</figcaption></figure>`,
    `<figure>${sizeChart(res)}<figcaption>Bytes a browser downloads per artifact, raw (dark) and gzip (light), against the targets' byte budgets.</figcaption></figure>`,
  );
  parts.push(
    '<h2>Latency at batch 1, accuracy and budget</h2>',
    table(
      ['Target', 'Model', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'mean ms (95% CI)', 'CV', 'Speedup', 'Accuracy', 'Agreement', 'Size (gzip)', 'Budget'],
      ok.map(
        (r) =>
          `<tr>${targetCell(r)}${td(e(rowLabel(r)))}${num(fmtMs(r.latency?.p50))}${num(fmtMs(r.latency?.p90))}${num(fmtMs(r.latency?.p95))}${num(fmtMs(r.latency?.p99))}` +
          num(r.latency ? `${fmtMs(r.latency.mean)} (${fmtMs(r.latency.ci95[0])}–${fmtMs(r.latency.ci95[1])})` : '–') +
          num(r.latency ? r.latency.cv.toFixed(2) : '–') +
          num(fmtRatio(r.speedup)) +
          num(fmtPct(r.accuracy?.value)) +
          `<td class="num" title="${e(r.agreement?.reference ?? '')}">${fmtPct(r.agreement?.value)}</td>` +
          num(r.artifact ? `${e(fmtBytes(r.artifact.bytes))} (${e(fmtBytes(r.artifact.gzipBytes))})` : '–') +
          `${budgetCell(r)}</tr>`,
      ),
    ),
  );
  if (notOk.length) {
    parts.push(
      '<h2>Skipped and failed</h2>',
      table(['Target', 'Model', 'Status', 'Reason'], notOk.map((r) => `<tr>${td(e(r.target))}${td(e(rowLabel(r)))}${td(e(r.status))}${td(e(r.reason ?? ''))}</tr>`)),
    );
  }
  const batches = [...new Set(ok.flatMap((r) => (r.throughput ?? []).map((t) => t.batch)))].sort((a, b) => a - b);
  if (batches.length) {
    parts.push(
      '<h2>Throughput (samples/s)</h2>',
      table(
        ['Target', 'Model', ...batches.map((b) => `batch ${b}`)],
        ok.map(
          (r) =>
            `<tr>${targetCell(r)}${td(e(rowLabel(r)))}${batches
              .map((b) => {
                const t = r.throughput?.find((x) => x.batch === b);
                if (!t) return td('');
                return t.status === 'ok' ? num(fmtRate(t.samplesPerSec)) : `<td class="muted" title="${e(t.reason ?? '')}">${e(t.status)}</td>`;
              })
              .join('')}</tr>`,
        ),
      ),
    );
  }
  parts.push(
    '<h2>Load and memory</h2>',
    table(
      ['Target', 'Model', 'Runtime', 'Runtime start ms', 'Cold load ms', 'Memory'],
      ok.map(
        (r) =>
          `<tr>${targetCell(r)}${td(e(rowLabel(r)))}${td(e(r.runtime ?? ''))}${num(fmtMs(r.load?.runtimeInitMs))}${num(fmtMs(r.load?.coldLoadMs))}` +
          td(r.memory?.bytes !== undefined ? `${e(fmtBytes(r.memory.bytes))}${r.memory.gpuBytes ? ` (GPU ${e(fmtBytes(r.memory.gpuBytes))})` : ''}` : '<span class="muted">not reported by the runtime</span>') +
          '</tr>',
      ),
    ),
  );
  const pc = perClassPair(res);
  if (pc) {
    parts.push(
      `<h2>Per-class accuracy on ${e(pc.target)}</h2>`,
      table(
        ['Class', 'Images', `Student (${rowLabel(pc.student)})`, 'Teacher'],
        res.dataset.classNames.map((name, i) => {
          const s = pc.student.accuracy!.perClass[i]!;
          const t = pc.teacher?.accuracy?.perClass[i];
          return `<tr>${td(e(name))}${num(String(s.total))}${num(fmtPct(s.correct / s.total))}${num(t ? fmtPct(t.correct / t.total) : '–')}</tr>`;
        }),
      ),
    );
  }
  parts.push(
    '<h2>Targets</h2>',
    table(
      ['Target', 'Description', 'Runtime / host / backend', 'Threads', 'Throttling', 'Budget', 'Device'],
      res.targets.map(
        (t) =>
          `<tr>${td(e(t.id))}${td(e(t.description))}${td(e(`${t.runtime} / ${t.host} / ${t.backend}`))}${num(String(t.threads))}${num(t.cpuThrottling > 1 ? `${t.cpuThrottling}×` : '–')}` +
          td(e(budgetText(t.budget))) +
          td(t.status === 'skipped' ? `<span class="muted">skipped: ${e(t.reason ?? '')}</span>` : e(t.device?.description ?? '') + (t.device?.softwareEmulated ? '<span class="badge">software-emulated</span>' : '')) +
          '</tr>',
      ),
    ),
  );
  const noted = ok.filter((r) => r.notes.length);
  if (noted.length) parts.push('<h2>Notes</h2><ul>', ...noted.map((r) => `<li>${e(r.target)} ${e(rowLabel(r))}: ${r.notes.map(e).join('; ')}</li>`), '</ul>');
  parts.push(
    '<h2>Definitions</h2><ul>',
    `<li>Percentiles: ${e(res.statistics.percentile)}</li>`,
    `<li>Mean interval: ${e(res.statistics.meanInterval)}</li>`,
    `<li>CV: ${e(res.statistics.cv)}</li>`,
    `<li>Sample: ${e(res.statistics.sample)}</li>`,
    '<li>Cold load: reading (fetching) the model files, building/compiling the model and the first inference; runtime start-up is reported apart.</li>',
    "<li>Speedup: the teacher's p50 over the student's on the same target. Agreement: share of test images where student and teacher pick the same class.</li>",
    '</ul>',
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-distill benchmark: ${e(res.runDir)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}
