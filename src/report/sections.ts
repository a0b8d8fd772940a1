/**
 * The bench report as data: the ordered sections that report.md and report.html both render, every cell already
 * formatted. Each number is formatted here, once, so the two reports cannot show different values; the renderers
 * only lay the sections out and escape the text.
 */
import type { BenchResults, BenchRow, TargetSummary } from '../bench/results.js';
import { fmtBudget, fmtBytes, fmtMs, fmtPct, fmtRate, fmtRatio, rowLabel } from './format.js';

/** A marker a renderer draws its own way (Markdown: a dagger, HTML: a badge). */
export type Flag = 'software-gpu';

/** A run of prose: plain text, code, strong text or a {@link Flag}. Renderers escape the text. */
export type Span = string | { code: string } | { strong: string } | { flag: Flag };

/** One table cell. */
export interface Cell {
  /** The value as shown, already formatted ('0.0213', '3.00×', '20.0 kB (17.0 kB)', '–' when there is none). */
  text: string;
  /** Drawn after the text. */
  flag?: Flag;
  /** Hover text (HTML): how a budget was checked, the agreement's reference, why a batch did not run. */
  title?: string;
  /** How the cell is coloured (HTML). */
  tone?: 'pass' | 'fail' | 'muted';
}

/** A table column. */
export interface Column {
  head: string;
  /** Right-aligned figures (HTML). */
  num?: true;
  /** Detail the compact Markdown leaves out (p90, p99, target descriptions). */
  detail?: true;
}

/** A table: its columns and one row of cells per line. */
export interface Table {
  columns: Column[];
  /** One cell per column. */
  rows: Cell[][];
}

/** A chart of src/report/charts.ts with its caption (HTML only: Markdown has no charts). */
export interface ChartRef {
  chart: 'latency' | 'accuracy-latency' | 'size';
  caption: string;
}

/** A titled section: a table, a bullet list or charts, with notes under them. */
export interface Section {
  title: string;
  table?: Table;
  list?: Span[][];
  charts?: ChartRef[];
  /** Paragraphs after the content. */
  notes?: Span[][];
}

/** The whole report. */
export interface ReportModel {
  /** The heading ("Benchmark of RUN"). */
  title: string;
  /** The HTML page's title. */
  pageTitle: string;
  /** Shown under the heading in a box: a quick run's warning. */
  banner?: Span[];
  /** Bullet list under the heading: machine, data, models, when and by what. */
  meta: Span[][];
  sections: Section[];
}

const cell = (text: string, more: Omit<Cell, 'text'> = {}): Cell => ({ text, ...more });
const col = (head: string, more: Omit<Column, 'head'> = {}): Column => ({ head, ...more });
const num = (head: string, more: Omit<Column, 'head' | 'num'> = {}): Column => ({ head, num: true, ...more });

/** The target id, flagged when its device is a software-emulated GPU. */
function targetCell(r: BenchRow): Cell {
  return cell(r.target, r.device?.softwareEmulated ? { flag: 'software-gpu' } : {});
}

/** "pass" or "FAIL (metrics)" coloured, with every check in the hover text; "–" when the target sets no budget. */
function budgetCell(r: BenchRow): Cell {
  if (!r.budget) return cell('–', { tone: 'muted' });
  const why = r.budget.checks.map((c) => `${c.metric}: ${c.value === undefined ? 'not measured' : c.value.toPrecision(4)} ≤ ${c.limit}: ${c.pass ? 'pass' : 'FAIL'}`).join('\n');
  return cell(fmtBudget(r), { tone: r.budget.pass ? 'pass' : 'fail', title: why });
}

/** A budget as one line. */
export function budgetText(b: TargetSummary['budget']): string {
  const parts = [];
  if (b.maxBytes !== undefined) parts.push(`≤ ${fmtBytes(b.maxBytes)}`);
  if (b.maxGzipBytes !== undefined) parts.push(`≤ ${fmtBytes(b.maxGzipBytes)} gzip`);
  if (b.maxP50Ms !== undefined) parts.push(`p50 ≤ ${b.maxP50Ms} ms`);
  if (b.maxP95Ms !== undefined) parts.push(`p95 ≤ ${b.maxP95Ms} ms`);
  if (b.maxFirstPredictionMs !== undefined) parts.push(`first prediction ≤ ${b.maxFirstPredictionMs} ms`);
  return parts.join(', ') || 'none';
}

/** The first target where a student row has accuracy, with the teacher's row on that target if it ran. */
export function perClassPair(res: BenchResults): { target: string; student: BenchRow; teacher?: BenchRow } | undefined {
  const student = res.rows.find((r) => r.model === 'student' && r.status === 'ok' && r.accuracy);
  if (!student) return undefined;
  const teacher = res.rows.find((r) => r.model === 'teacher' && r.status === 'ok' && r.accuracy && r.target === student.target);
  return { target: student.target, student, ...(teacher ? { teacher } : {}) };
}

function latencySection(ok: BenchRow[]): Section {
  const columns = [
    col('Target'), col('Model'), num('p50 ms'), num('p90 ms', { detail: true }), num('p95 ms'), num('p99 ms', { detail: true }), num('mean ms (95% CI)'), num('CV'),
    num('Speedup'), num('Accuracy'), num('Agreement'), num('Size (gzip)'), col('Budget'),
  ];
  const rows = ok.map((r) => {
    const l = r.latency;
    return [
      targetCell(r),
      cell(rowLabel(r)),
      cell(fmtMs(l?.p50)),
      cell(fmtMs(l?.p90)),
      cell(fmtMs(l?.p95)),
      cell(fmtMs(l?.p99)),
      cell(l ? `${fmtMs(l.mean)} (${fmtMs(l.ci95[0])}–${fmtMs(l.ci95[1])})` : '–'),
      cell(l ? l.cv.toFixed(2) : '–'),
      cell(fmtRatio(r.speedup)),
      cell(fmtPct(r.accuracy?.value)),
      cell(fmtPct(r.agreement?.value), r.agreement ? { title: r.agreement.reference } : {}),
      cell(r.artifact ? `${fmtBytes(r.artifact.bytes)} (${fmtBytes(r.artifact.gzipBytes)})` : '–'),
      budgetCell(r),
    ];
  });
  const section: Section = { title: 'Latency at batch 1, accuracy and budget', table: { columns, rows } };
  if (ok.some((r) => r.device?.softwareEmulated)) section.notes = [[{ flag: 'software-gpu' }, ' software-emulated GPU (SwiftShader): these numbers say nothing about a real GPU.']];
  return section;
}

function throughputSection(ok: BenchRow[]): Section | undefined {
  const batches = [...new Set(ok.flatMap((r) => (r.throughput ?? []).map((t) => t.batch)))].sort((a, b) => a - b);
  if (!batches.length) return undefined;
  const rows = ok.map((r) => [
    targetCell(r),
    cell(rowLabel(r)),
    ...batches.map((b) => {
      const t = r.throughput?.find((x) => x.batch === b);
      if (!t) return cell('');
      return t.status === 'ok' ? cell(fmtRate(t.samplesPerSec)) : cell(t.status, { tone: 'muted', ...(t.reason ? { title: t.reason } : {}) });
    }),
  ]);
  return { title: 'Throughput (samples/s)', table: { columns: [col('Target'), col('Model'), ...batches.map((b) => num(`batch ${b}`))], rows } };
}

function loadSection(ok: BenchRow[]): Section {
  const memory = (r: BenchRow): Cell =>
    r.memory?.bytes !== undefined
      ? cell(`${fmtBytes(r.memory.bytes)}${r.memory.gpuBytes ? ` (GPU ${fmtBytes(r.memory.gpuBytes)})` : ''}`)
      : cell('not reported by the runtime', { tone: 'muted' });
  return {
    title: 'Load and memory',
    table: {
      columns: [col('Target'), col('Model'), col('Runtime'), num('Runtime start ms'), num('Cold load ms'), col('Memory')],
      rows: ok.map((r) => [targetCell(r), cell(rowLabel(r)), cell(r.runtime ?? ''), cell(fmtMs(r.load?.runtimeInitMs)), cell(fmtMs(r.load?.coldLoadMs)), memory(r)]),
    },
  };
}

function firstPredictionSection(ok: BenchRow[]): Section | undefined {
  const rows = ok.filter((r) => r.firstPrediction);
  if (!rows.length) return undefined;
  return {
    title: 'Time to first prediction',
    table: {
      columns: [
        col('Target'), col('Model'), col('Network'), num('Total ms'), num('Runtime start ms'), num('of which download ms', { detail: true }),
        num('Model download ms'), num('Model bytes sent (body)'), num('Model load ms'), num('First inference ms'),
      ],
      rows: rows.map((r) => {
        const f = r.firstPrediction!;
        return [
          targetCell(r), cell(rowLabel(r)), cell(f.network ?? 'unthrottled'), cell(fmtMs(f.totalMs)), cell(fmtMs(f.runtimeMs)), cell(fmtMs(f.runtimeDownloadMs)),
          cell(fmtMs(f.modelDownloadMs)), cell(`${fmtBytes(f.modelEncodedBytes)} (${fmtBytes(f.modelBodyBytes)})`), cell(fmtMs(f.modelLoadMs)), cell(fmtMs(f.firstInferenceMs)),
        ];
      }),
    },
    notes: [['From the page starting to load the runtime until the first prediction is readable: runtime start (its downloads included) + model download + model load + first inference. Downloads from Resource Timing; bytes sent are the bodies as served (gzip on throttled targets).']],
  };
}

function perClassSection(res: BenchResults): Section | undefined {
  const pc = perClassPair(res);
  if (!pc) return undefined;
  return {
    title: `Per-class accuracy on ${pc.target}`,
    table: {
      columns: [col('Class'), num('Images'), num(`Student (${rowLabel(pc.student)})`), num('Teacher')],
      rows: res.dataset.classNames.map((name, i) => {
        const s = pc.student.accuracy!.perClass[i]!;
        const t = pc.teacher?.accuracy?.perClass[i];
        return [cell(name), cell(String(s.total)), cell(fmtPct(s.correct / s.total)), cell(t ? fmtPct(t.correct / t.total) : '–')];
      }),
    },
  };
}

function targetsSection(res: BenchResults): Section {
  return {
    title: 'Targets',
    table: {
      columns: [col('Target'), col('Description', { detail: true }), col('Runtime / host / backend'), num('Threads'), num('Throttling'), col('Budget'), col('Device')],
      rows: res.targets.map((t) => [
        cell(t.id),
        cell(t.description),
        cell(`${t.runtime} / ${t.host} / ${t.backend}`),
        cell(String(t.threads)),
        cell(t.cpuThrottling > 1 ? `${t.cpuThrottling}×` : '–'),
        cell(budgetText(t.budget)),
        t.status === 'skipped' ? cell(`skipped: ${t.reason ?? ''}`, { tone: 'muted' }) : cell(t.device?.description ?? '', t.device?.softwareEmulated ? { flag: 'software-gpu' } : {}),
      ]),
    },
  };
}

function devicesSection(res: BenchResults): Section | undefined {
  if (!res.devices?.length) return undefined;
  return {
    title: 'Served devices',
    table: {
      columns: [col('Device'), col('Browser (user agent)'), num('Cores'), num('Memory'), col('GPU'), col('Context'), col('Finished')],
      rows: res.devices.map((d) => [
        cell(d.label),
        cell(d.userAgent),
        cell(d.hardwareConcurrency !== undefined ? String(d.hardwareConcurrency) : 'not exposed', d.hardwareConcurrency === undefined ? { tone: 'muted' } : {}),
        cell(d.deviceMemoryGb !== undefined ? `${d.deviceMemoryGb} GB` : 'not exposed', d.deviceMemoryGb === undefined ? { tone: 'muted' } : {}),
        cell([d.webgpuAdapter ? `WebGPU: ${d.webgpuAdapter}` : '', d.webglRenderer ? `WebGL: ${d.webglRenderer}` : ''].filter(Boolean).join('; ') || 'none exposed'),
        cell(d.secureContext ? (d.crossOriginIsolated ? 'secure, cross-origin isolated' : 'secure, not isolated') : 'not secure (plain http)', d.secureContext ? {} : { tone: 'fail' }),
        cell(d.finished ? 'yes' : 'no (stopped part-way)', d.finished ? {} : { tone: 'muted' }),
      ]),
    },
    notes: [[`Rows named DEVICE/TARGET ran on that device with the target's runtime, backend, threads and timing plan (`, { code: 'bench --serve' }, '); deviceMemory is rounded and capped at 8 GB by the browser.']],
  };
}

const CHARTS: ChartRef[] = [
  {
    chart: 'latency',
    caption: 'Warm latency at batch 1 on each target: the bar is the median (p50), the whisker reaches p95; the red dashed line is the target\'s p50 budget. Targets marked "software GPU" ran on SwiftShader.',
  },
  {
    chart: 'accuracy-latency',
    caption: "Test accuracy computed by each runtime against its p50 latency. Up and to the left is better; a point right of a target's dashed line misses that target's p50 budget.",
  },
  { chart: 'size', caption: "Bytes a browser downloads per artifact, raw (dark) and gzip (light), against the targets' byte budgets." },
];

/** Turns bench results into the report's sections, in the order both reports show them. Pure. */
export function reportSections(res: BenchResults): ReportModel {
  const ok = res.rows.filter((r) => r.status === 'ok');
  const notOk = res.rows.filter((r) => r.status !== 'ok');
  const m = res.machine;
  const sections: (Section | undefined)[] = [
    { title: 'Charts', charts: CHARTS },
    latencySection(ok),
    notOk.length
      ? {
          title: 'Skipped and failed',
          table: { columns: [col('Target'), col('Model'), col('Status'), col('Reason')], rows: notOk.map((r) => [cell(r.target), cell(rowLabel(r)), cell(r.status), cell(r.reason ?? '')]) },
        }
      : undefined,
    throughputSection(ok),
    loadSection(ok),
    firstPredictionSection(ok),
    perClassSection(res),
    targetsSection(res),
    devicesSection(res),
  ];
  const noted = ok.filter((r) => r.notes.length);
  if (noted.length) sections.push({ title: 'Notes', list: noted.map((r) => [`${r.target} ${rowLabel(r)}: ${r.notes.join('; ')}`]) });
  sections.push({
    title: 'Definitions',
    list: [
      [`Percentiles: ${res.statistics.percentile}`],
      [`Mean interval: ${res.statistics.meanInterval}`],
      [`CV: ${res.statistics.cv}`],
      [`Sample: ${res.statistics.sample}`],
      ['Cold load: reading (fetching) the model files, building/compiling the model and the first inference; runtime start-up is reported apart.'],
      ["Speedup: the teacher's p50 over the student's, on the same target. Agreement: share of test images where student and teacher pick the same class."],
    ],
  });
  return {
    title: `Benchmark of ${res.runDir}`,
    pageTitle: `edge-distill benchmark: ${res.runDir}`,
    ...(res.quick ? { banner: [{ strong: 'Quick run' }, ' (', { code: '--quick' }, '): few iterations and a capped test split. The numbers are indicative only.'] } : {}),
    meta: [
      [`Machine: ${m.cpu}, ${m.cores} cores, ${fmtBytes(m.memoryBytes)} RAM, ${m.platform}/${m.arch}, Node ${m.node}`],
      [`Data: ${res.dataset.name} (`, { code: res.dataset.spec }, `), test split, ${res.dataset.samples} images, ${res.dataset.classNames.length} classes`],
      // Paths stay out of code spans: Markdown shows the escapes of `_` or `*` inside one literally.
      [`Student: ${res.models.student.source} (exports in ${res.models.student.exportDir})`],
      [`Teacher: ${res.models.teacher.path}; ONNX: ${res.models.teacher.onnx}`],
      [`Created ${res.createdAt} by edge-distill ${res.tool.version}`],
    ],
    sections: sections.filter((s): s is Section => s !== undefined),
  };
}
