import type { Command } from '../command.js';
import { numberFlag } from '../command.js';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../config/load.js';
import { listFlag, setPath } from '../flags.js';
import { EXPORT_STAGE_DEFAULTS } from '../../pipeline/config.js';
import { applyCacheFlags, command as distillCommand, configFromFlags, CONFIG_FLAGS } from './distill.js';

/** The distill flags `run` takes too (where the run goes and how it resumes are `run`'s own). */
const DISTILL_OPTIONS = Object.fromEntries(Object.entries(distillCommand.options).filter(([k]) => !['config', 'out', 'resume', 'force', 'quiet'].includes(k)));
const STAGE_FLAGS = ['format', 'quantize', 'targets', 'only', 'quick', 'test-limit'];

/** Builds a pipeline config from `-c FILE` and the stage flags (flags win). */
export async function pipelineConfigFromFlags(v: Record<string, unknown>): Promise<Record<string, unknown>> {
  const c = applyCacheFlags(await configFromFlags(v), v);
  const formats = listFlag(v.format);
  if (formats) setPath(c, ['export', 'formats'], formats);
  const precisions = listFlag(v.quantize);
  if (precisions) setPath(c, ['export', 'precisions'], precisions);
  const targets = listFlag(v.targets);
  if (targets) setPath(c, ['bench', 'targets'], targets);
  const only = listFlag(v.only);
  if (only) setPath(c, ['bench', 'only'], only);
  if (v.quick) setPath(c, ['bench', 'quick'], true);
  const testLimit = numberFlag(v, 'test-limit', { min: 1, integer: true });
  if (testLimit !== undefined) setPath(c, ['bench', 'testLimit'], testLimit);
  return c;
}

export const command: Command = {
  name: 'run',
  summary: 'Run distill → export → bench → report in one run directory, from a pipeline config and/or the stages\' flags. Finished stages are not redone, so running it again after a failure resumes after the last good stage.',
  options: {
    config: { type: 'string', short: 'c', description: 'pipeline config JSON (a distill config plus "export", "bench" and optional "trainTeacher"); flags override it', valueName: 'FILE' },
    ...DISTILL_OPTIONS,
    format: { type: 'string', description: `export formats, comma-separated: tfjs, onnx (default ${EXPORT_STAGE_DEFAULTS.formats.join(',')})`, valueName: 'LIST' },
    quantize: { type: 'string', description: `export precisions, comma-separated: none, float16, uint16, uint8, int8 (default ${EXPORT_STAGE_DEFAULTS.precisions.join(',')})`, valueName: 'LIST' },
    targets: { type: 'string', description: 'bench target files, comma-separated (default: the shipped targets)', valueName: 'GLOB' },
    only: { type: 'string', description: 'bench only these target ids, comma-separated', valueName: 'IDS' },
    quick: { type: 'boolean', description: 'bench with few iterations and at most 256 test images (a smoke test)' },
    'test-limit': { type: 'string', description: 'bench accuracy on at most N test images', valueName: 'N' },
    out: { type: 'string', short: 'o', description: 'run directory', valueName: 'DIR' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars' },
  },
  async run(v) {
    if (v.out === undefined) throw new UserError('--out: missing; give the run directory');
    const flagged = [...CONFIG_FLAGS.filter((f) => f !== 'config'), ...STAGE_FLAGS, 'cache', 'no-cache', 'cache-dtype'].some((f) => v[f] !== undefined);
    if (v.config === undefined && !flagged) throw new UserError('-c/--config: missing; give a pipeline config (see configs/demo.json), or the stages\' flags (at least --teacher)');
    const config = flagged ? await pipelineConfigFromFlags(v) : await readJsonFile(String(v.config), 'pipeline config');
    if ((config as { teacher?: unknown }).teacher === undefined) throw new UserError('--teacher: missing; give a tfjs model.json or an .onnx file (in the config: teacher.path), or a config that trains one (trainTeacher)');
    const { runPipeline, headlineTable } = await import('../../pipeline/run.js');
    const r = await runPipeline({ config, out: String(v.out), source: v.config !== undefined ? String(v.config) : 'flags', quiet: Boolean(v.quiet) });
    const table = await headlineTable(r.report.md);
    if (table) console.log(table);
    console.log(`\nreport: ${r.report.md}\n        ${r.report.html}`);
  },
};
