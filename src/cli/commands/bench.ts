/** `edge-distill bench --run DIR`: benchmark the run's exported student and its teacher on deployment targets. */
import { UserError } from '../../core/errors.js';
import { stderrLogger } from '../../core/progress.js';
import { numberFlag, type Command } from '../command.js';

import { listFlag as list } from '../flags.js';
import { RUN_FILES, runPaths } from '../../run-dir/layout.js';

/** The `bench` subcommand. */
export const command: Command = {
  name: 'bench',
  summary: "Benchmark the run's exported student and its teacher on deployment targets (Node and headless Chromium)",
  options: {
    run: { type: 'string', valueName: 'DIR', description: 'run directory (with config.json and export/manifest.json)' },
    targets: { type: 'string', valueName: 'GLOB', description: "target files, comma-separated; globs in the file name, e.g. 'targets/*.json' (default: the shipped targets)" },
    only: { type: 'string', valueName: 'IDS', description: 'only these target ids, comma-separated' },
    quick: { type: 'boolean', description: 'few iterations and at most 256 test images (a smoke test, not a measurement)' },
    'test-limit': { type: 'string', valueName: 'N', description: 'use at most N test images for accuracy (default: all; 256 with --quick)' },
  },
  async run(values) {
    if (typeof values.run !== 'string') throw new UserError('--run DIR is required (a run directory with an export; see edge-distill bench --help)');
    const { runBench } = await import('../../bench/run.js');
    const { writeReports } = await import('../../report/write.js');
    const testLimit = numberFlag(values, 'test-limit', { min: 1, integer: true });
    const targets = list(values.targets);
    const only = list(values.only);
    const res = await runBench({
      runDir: values.run,
      ...(targets ? { targets } : {}),
      ...(only ? { only } : {}),
      quick: Boolean(values.quick),
      ...(testLimit !== undefined ? { testLimit } : {}),
      log: stderrLogger,
      report: writeReports,
    });
    const paths = runPaths(res.runDir);
    const ok = res.rows.filter((r) => r.status === 'ok');
    const skipped = res.rows.filter((r) => r.status === 'skipped').length;
    const failed = res.rows.filter((r) => r.status === 'error');
    for (const r of ok) {
      const p50 = r.latency ? `${r.latency.p50.toPrecision(3)} ms` : 'n/a';
      const acc = r.accuracy ? `${(r.accuracy.value * 100).toFixed(1)}%` : 'n/a';
      const budget = r.budget ? (r.budget.pass ? 'pass' : 'FAIL') : '-';
      console.log(`${r.target.padEnd(28)} ${r.model.padEnd(8)} ${(r.artifact ? `${r.artifact.format}/${r.artifact.precision}` : '').padEnd(13)} p50 ${p50.padEnd(11)} acc ${acc.padEnd(6)} budget ${budget}`);
    }
    for (const r of failed) console.log(`${r.target.padEnd(28)} ${r.model.padEnd(8)} error: ${r.reason}`);
    console.log(`\n${ok.length} measured, ${skipped} skipped, ${failed.length} failed; wrote ${paths.results}, ${RUN_FILES.reportMd}, ${RUN_FILES.reportHtml}`);
    // Every row that ran failed: nothing was measured, which a script must not mistake for success.
    if (ok.length === 0 && failed.length > 0) {
      const names = failed.slice(0, 8).map((r) => `${r.target} ${r.model}`).join(', ') + (failed.length > 8 ? `, and ${failed.length - 8} more` : '');
      throw new UserError(`bench --run ${res.runDir}: nothing was measured: all ${failed.length} row${failed.length === 1 ? '' : 's'} that ran failed (${names}); first reason: ${failed[0]!.reason}; see ${paths.results}`);
    }
    return 0;
  },
};
