/** `edge-distill bench --run DIR`: benchmark the run's exported student and its teacher on deployment targets. */
import { UserError } from '../../core/errors.js';
import { stderrLogger } from '../../core/progress.js';
import { numberFlag, type Command } from '../command.js';
import { qrMatrix, qrTerminal } from '../../core/qr.js';

import { listFlag as list } from '../flags.js';
import { RUN_FILES, runPaths } from '../../run-dir/layout.js';

/** `bench --serve`: serve the device page until N devices, a timeout or Ctrl-C; exit 1 when no device posted. */
async function serve(values: Record<string, unknown>): Promise<number> {
  const { serveBench } = await import('../../bench/serve/index.js');
  const { writeReports } = await import('../../report/write.js');
  const testLimit = numberFlag(values, 'test-limit', { min: 1, integer: true });
  const port = numberFlag(values, 'port', { min: 1, integer: true });
  if (port !== undefined && port > 65535) throw new UserError(`--port ${port}: expected a port number from 1 to 65535`);
  const devices = numberFlag(values, 'devices', { min: 1, integer: true });
  const timeoutSec = numberFlag(values, 'serve-timeout', { min: 1 });
  const targets = list(values.targets);
  const only = list(values.only);
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  // Ctrl-C (or a SIGTERM) stops the server; every row received is already in results.json.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const out = await serveBench({
      runDir: String(values.run),
      ...(targets ? { targets } : {}),
      ...(only ? { only } : {}),
      quick: Boolean(values.quick),
      ...(testLimit !== undefined ? { testLimit } : {}),
      host,
      ...(port !== undefined ? { port } : {}),
      ...(devices !== undefined ? { devices } : {}),
      ...(timeoutSec !== undefined ? { timeoutSec } : {}),
      signal: abort.signal,
      log: stderrLogger,
      onListening(urls) {
        console.log(`bench --serve: open this on each device (the token in it is required):\n${urls.map((u) => `  ${u}`).join('\n')}`);
        console.log(qrTerminal(qrMatrix(urls[0]!)));
        if (host === '127.0.0.1' || host === 'localhost') {
          console.log(`Listening on ${host} only. A phone over USB: adb reverse tcp:${new URL(urls[0]!).port} tcp:${new URL(urls[0]!).port}, then open the URL on it; or --host 0.0.0.0 for the local network (plain http there: no WebGPU, no wasm threads).`);
        }
        console.log(`Stops ${devices !== undefined ? `after ${devices} device(s) finish, ` : ''}${timeoutSec !== undefined ? `after ${timeoutSec} s, ` : ''}on Ctrl-C; every row received is kept.`);
      },
      onMerged: async (results) => void (await writeReports(results, runPaths(results.runDir).benchDir)),
    });
    const why = { devices: `${out.finished} device(s) finished`, timeout: `--serve-timeout ${timeoutSec} s passed`, interrupted: 'interrupted' }[out.reason];
    if (out.rows === 0) throw new UserError(`bench --serve --run ${String(values.run)}: no device posted results before the server stopped (${why}); nothing was merged`);
    console.log(`\n${out.devices} device(s), ${out.rows} row(s) merged into ${out.resultsPath}, ${RUN_FILES.reportMd}, ${RUN_FILES.reportHtml} (stopped: ${why})`);
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** The `bench` subcommand. */
export const command: Command = {
  name: 'bench',
  summary: "Benchmark the run's exported student and its teacher on deployment targets (Node and headless Chromium)",
  options: {
    run: { type: 'string', valueName: 'DIR', description: 'run directory (with config.json and export/manifest.json)' },
    targets: { type: 'string', valueName: 'GLOB', description: "target files, comma-separated; globs in the file name, e.g. 'targets/*.json' (default: the shipped targets)" },
    only: { type: 'string', valueName: 'IDS', description: 'only these target ids, comma-separated' },
    quick: { type: 'boolean', description: 'few iterations and at most 256 test images (a smoke test, not a measurement)' },
    'test-limit': { type: 'string', valueName: 'N', description: 'use at most N test images for accuracy (default: all; 256 with --quick or --serve)' },
    serve: { type: 'boolean', description: 'serve a bench page for real devices (phones) instead of benchmarking here; their rows are merged into results.json' },
    host: { type: 'string', valueName: 'ADDR', description: '--serve: address to listen on, e.g. 0.0.0.0 for the local network (default: 127.0.0.1 only)' },
    port: { type: 'string', valueName: 'N', description: '--serve: port to listen on (default: a free one)' },
    devices: { type: 'string', valueName: 'N', description: '--serve: stop once N devices have run every job (default: run until Ctrl-C or --serve-timeout)' },
    'serve-timeout': { type: 'string', valueName: 'SEC', description: '--serve: stop after SEC seconds' },
  },
  async run(values) {
    if (typeof values.run !== 'string') throw new UserError('--run DIR is required (a run directory with an export; see edge-distill bench --help)');
    for (const f of ['host', 'port', 'devices', 'serve-timeout']) {
      if (values[f] !== undefined && !values.serve) throw new UserError(`--${f} applies to --serve only; add --serve or leave it out`);
    }
    if (values.serve) return serve(values);
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
