/** RUN/bench/report.md: the results as Markdown tables (for PRs, READMEs and terminals). */
import type { BenchResults, BenchRow } from '../bench/results.js';
import { escapeMd as e } from './escape.js';
import { fmtBudget, fmtBytes, fmtMs, fmtPct, fmtRate, fmtRatio, rowLabel } from './format.js';

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** Target id with a dagger when its device is a software-emulated GPU. */
function targetCell(r: BenchRow): string {
  return `${e(r.target)}${r.device?.softwareEmulated ? ' †' : ''}`;
}

/** Renders the Markdown report. Every string from user data (paths, class names, reasons) is escaped. */
export function renderMarkdown(res: BenchResults): string {
  const ok = res.rows.filter((r) => r.status === 'ok');
  const notOk = res.rows.filter((r) => r.status !== 'ok');
  const out: string[] = [`# Benchmark of ${e(res.runDir)}`, ''];
  if (res.quick) out.push('> **Quick run** (`--quick`): few iterations and a capped test split. The numbers are indicative only.', '');
  out.push(
    `- Machine: ${e(res.machine.cpu)}, ${res.machine.cores} cores, ${fmtBytes(res.machine.memoryBytes)} RAM, ${e(res.machine.platform)}/${e(res.machine.arch)}, Node ${e(res.machine.node)}`,
    `- Data: ${e(res.dataset.name)} (\`${e(res.dataset.spec)}\`), test split, ${res.dataset.samples} images, ${res.dataset.classNames.length} classes`,
    `- Student: ${e(res.models.student.source)} (exports in ${e(res.models.student.exportDir)})`,
    `- Teacher: ${e(res.models.teacher.path)}; ONNX: ${e(res.models.teacher.onnx)}`,
    `- Created ${e(res.createdAt)} by edge-distill ${e(res.tool.version)}`,
    '',
    '## Latency at batch 1, accuracy and budget',
    '',
    ...table(
      ['Target', 'Model', 'p50 ms', 'p95 ms', 'mean ms (95% CI)', 'CV', 'Speedup', 'Accuracy', 'Agreement', 'Size (gzip)', 'Budget'],
      ok.map((r) => [
        targetCell(r),
        e(rowLabel(r)),
        fmtMs(r.latency?.p50),
        fmtMs(r.latency?.p95),
        r.latency ? `${fmtMs(r.latency.mean)} (${fmtMs(r.latency.ci95[0])}–${fmtMs(r.latency.ci95[1])})` : '–',
        r.latency ? r.latency.cv.toFixed(2) : '–',
        fmtRatio(r.speedup),
        fmtPct(r.accuracy?.value),
        fmtPct(r.agreement?.value),
        r.artifact ? `${fmtBytes(r.artifact.bytes)} (${fmtBytes(r.artifact.gzipBytes)})` : '–',
        fmtBudget(r),
      ]),
    ),
    '',
  );
  if (ok.some((r) => r.device?.softwareEmulated)) {
    out.push('† software-emulated GPU (SwiftShader): these numbers say nothing about a real GPU.', '');
  }
  if (notOk.length) {
    out.push('## Skipped and failed', '', ...table(['Target', 'Model', 'Status', 'Reason'], notOk.map((r) => [e(r.target), e(rowLabel(r)), r.status, e(r.reason ?? '')])), '');
  }
  const batches = [...new Set(ok.flatMap((r) => (r.throughput ?? []).map((t) => t.batch)))].sort((a, b) => a - b);
  if (batches.length) {
    out.push(
      '## Throughput (samples/s)',
      '',
      ...table(
        ['Target', 'Model', ...batches.map((b) => `batch ${b}`)],
        ok.map((r) => [
          targetCell(r),
          e(rowLabel(r)),
          ...batches.map((b) => {
            const t = r.throughput?.find((x) => x.batch === b);
            return t ? (t.status === 'ok' ? fmtRate(t.samplesPerSec) : t.status) : '';
          }),
        ]),
      ),
      '',
    );
  }
  out.push(
    '## Load and memory',
    '',
    ...table(
      ['Target', 'Model', 'Runtime', 'Runtime start ms', 'Cold load ms', 'Memory'],
      ok.map((r) => [
        targetCell(r),
        e(rowLabel(r)),
        e(r.runtime ?? ''),
        fmtMs(r.load?.runtimeInitMs),
        fmtMs(r.load?.coldLoadMs),
        r.memory?.bytes !== undefined ? `${fmtBytes(r.memory.bytes)}${r.memory.gpuBytes ? ` (GPU ${fmtBytes(r.memory.gpuBytes)})` : ''}` : 'not reported',
      ]),
    ),
    '',
  );
  const perClass = perClassPair(res);
  if (perClass) {
    out.push(
      `## Per-class accuracy on ${e(perClass.target)}`,
      '',
      ...table(
        ['Class', 'Images', `Student (${e(rowLabel(perClass.student))})`, 'Teacher'],
        res.dataset.classNames.map((name, i) => {
          const s = perClass.student.accuracy!.perClass[i]!;
          const t = perClass.teacher?.accuracy?.perClass[i];
          return [e(name), String(s.total), fmtPct(s.correct / s.total), t ? fmtPct(t.correct / t.total) : '–'];
        }),
      ),
      '',
    );
  }
  out.push(
    '## Targets',
    '',
    ...table(
      ['Target', 'Runtime', 'Host', 'Backend', 'Threads', 'Throttling', 'Budget', 'Device'],
      res.targets.map((t) => [
        e(t.id),
        t.runtime,
        t.host,
        t.backend,
        String(t.threads),
        t.cpuThrottling > 1 ? `${t.cpuThrottling}×` : '–',
        e(budgetText(t.budget)),
        t.status === 'skipped' ? `skipped: ${e(t.reason ?? '')}` : e(t.device?.description ?? ''),
      ]),
    ),
    '',
  );
  const notes = ok.filter((r) => r.notes.length);
  if (notes.length) {
    out.push('## Notes', '', ...notes.map((r) => `- ${e(r.target)} ${e(rowLabel(r))}: ${r.notes.map(e).join('; ')}`), '');
  }
  out.push(
    '## Definitions',
    '',
    `- Percentiles: ${e(res.statistics.percentile)}`,
    `- Mean interval: ${e(res.statistics.meanInterval)}`,
    `- CV: ${e(res.statistics.cv)}`,
    `- Sample: ${e(res.statistics.sample)}`,
    '- Cold load: reading (fetching) the model files, building/compiling the model and the first inference; runtime start-up is reported apart.',
    '- Speedup: the teacher\'s p50 over the student\'s, on the same target. Agreement: share of test images where student and teacher pick the same class.',
    '',
  );
  return out.join('\n');
}

/** A budget as one line. */
export function budgetText(b: BenchResults['targets'][number]['budget']): string {
  const parts = [];
  if (b.maxBytes !== undefined) parts.push(`≤ ${fmtBytes(b.maxBytes)}`);
  if (b.maxGzipBytes !== undefined) parts.push(`≤ ${fmtBytes(b.maxGzipBytes)} gzip`);
  if (b.maxP50Ms !== undefined) parts.push(`p50 ≤ ${b.maxP50Ms} ms`);
  if (b.maxP95Ms !== undefined) parts.push(`p95 ≤ ${b.maxP95Ms} ms`);
  return parts.join(', ') || 'none';
}

/** The first target where a student row has accuracy, with the teacher's row on that target if it ran. */
export function perClassPair(res: BenchResults): { target: string; student: BenchRow; teacher?: BenchRow } | undefined {
  const student = res.rows.find((r) => r.model === 'student' && r.status === 'ok' && r.accuracy);
  if (!student) return undefined;
  const teacher = res.rows.find((r) => r.model === 'teacher' && r.status === 'ok' && r.accuracy && r.target === student.target);
  return { target: student.target, student, ...(teacher ? { teacher } : {}) };
}
