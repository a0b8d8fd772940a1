import type { Command } from '../command.js';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../config/load.js';

export const command: Command = {
  name: 'run',
  summary: 'Run distill → export → bench → report in one run directory from a pipeline config. Finished stages are not redone, so running it again after a failure resumes after the last good stage.',
  options: {
    config: { type: 'string', short: 'c', description: 'pipeline config JSON (a distill config plus "export", "bench" and optional "trainTeacher")', valueName: 'FILE' },
    out: { type: 'string', short: 'o', description: 'run directory', valueName: 'DIR' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars' },
  },
  async run(v) {
    if (v.config === undefined) throw new UserError('-c/--config: missing; give a pipeline config (see configs/demo.json)');
    if (v.out === undefined) throw new UserError('--out: missing; give the run directory');
    const config = await readJsonFile(String(v.config), 'pipeline config');
    const { runPipeline, headlineTable } = await import('../../pipeline/run.js');
    const r = await runPipeline({ config, out: String(v.out), source: String(v.config), quiet: Boolean(v.quiet) });
    const table = await headlineTable(r.report.md);
    if (table) console.log(table);
    console.log(`\nreport: ${r.report.md}\n        ${r.report.html}`);
  },
};
