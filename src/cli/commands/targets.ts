/** `edge-distill targets list|validate|schema [FILES...]`: the deployment targets, checked against their schema. */
import { join } from 'node:path';
import { UserError, isUserError } from '../../core/errors.js';
import { silentLogger } from '../../core/progress.js';
import { builtinTargetsDir, expandTargetPaths, targetPrecisions, type Target } from '../../config/target.js';
import { benchTargetJsonSchema, loadBenchTarget, loadBenchTargets } from '../../bench/targets.js';
import type { Command } from '../command.js';

function budgetText(t: Target): string {
  const b = t.budget;
  return [
    b.maxBytes !== undefined ? `≤${(b.maxBytes / 1000).toFixed(0)}kB` : '',
    b.maxP50Ms !== undefined ? `p50≤${b.maxP50Ms}ms` : '',
    b.maxP95Ms !== undefined ? `p95≤${b.maxP95Ms}ms` : '',
    b.maxFirstPredictionMs !== undefined ? `first≤${b.maxFirstPredictionMs}ms` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** Whether each target can run here (launches Chromium for browser targets). */
async function probeAll(targets: Target[]): Promise<Map<string, string>> {
  const { runnerFor } = await import('../../bench/runners/registry.js');
  const { createResources } = await import('../../bench/resources.js');
  const resources = createResources();
  const ctx = { data: { x: new Float32Array(0), y: new Int32Array(0), n: 0, shape: [1, 1, 1] as [number, number, number], classNames: [] }, log: silentLogger, resources };
  const out = new Map<string, string>();
  try {
    for (const t of targets) {
      const runner = runnerFor(t);
      const p = runner ? await runner.probe(t, ctx) : { ok: false as const, reason: 'no runner' };
      out.set(t.id, p.ok ? `available${p.device?.softwareEmulated ? ' (software-emulated GPU)' : ''}` : `skipped: ${p.reason}`);
    }
  } finally {
    await resources.closeAll();
  }
  return out;
}

/** The `targets` subcommand. */
export const command: Command = {
  name: 'targets',
  summary: 'List, validate or describe deployment targets (targets/*.json)',
  usage: 'list|validate|schema [FILES...]',
  allowPositionals: true,
  options: {
    probe: { type: 'boolean', description: 'list: also check whether each target can run on this machine (starts Chromium)' },
  },
  async run(values, positionals) {
    const [action, ...files] = positionals;
    const patterns = files.length ? files : [join(builtinTargetsDir(), '*.json')];
    if (action === 'schema') {
      console.log(JSON.stringify(benchTargetJsonSchema(), null, 2));
      return 0;
    }
    if (action === 'validate') {
      let bad = 0;
      for (const path of await expandTargetPaths(patterns)) {
        try {
          const t = await loadBenchTarget(path);
          console.log(`ok    ${path} (${t.id})`);
        } catch (e) {
          if (!isUserError(e)) throw e;
          bad++;
          console.error(`error: ${e.message}`);
        }
      }
      return bad ? 1 : 0;
    }
    if (action === 'list') {
      const loaded = await loadBenchTargets(patterns);
      const status = values.probe ? await probeAll(loaded.map((l) => l.target)) : undefined;
      const rows = loaded.map(({ target: t }) => [
        t.id,
        `${t.runtime}/${t.host}/${t.backend}`,
        `${t.threads}t${t.cpuThrottling > 1 ? ` ${t.cpuThrottling}x` : ''}${t.network ? ` ${t.network}` : ''}`,
        `${t.artifact.format}:${targetPrecisions(t).join('+')}`,
        budgetText(t),
        status ? status.get(t.id)! : t.description,
      ]);
      const head = ['ID', 'RUNTIME/HOST/BACKEND', 'THREADS', 'ARTIFACT', 'BUDGET', status ? 'HERE' : 'DESCRIPTION'];
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  '));
      return 0;
    }
    throw new UserError(`targets ${action ?? ''}: unknown action. Must be one of [list, validate, schema] (see edge-distill targets --help)`);
  },
};
