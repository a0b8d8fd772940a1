/** exportRun: a distill run directory's student, with the data its config.json names. */
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { runPaths } from '../run-dir/layout.js';
import { readRunConfig } from '../run-dir/run-config.js';
import { isOpenDataset, type ExportData } from './data.js';
import { exportModel } from './export-model.js';
import type { ExportManifest } from '../run-dir/manifest.js';
import type { ExportModelOptions } from './options.js';

/** Options of {@link exportRun}: as ExportModelOptions, with the model and data taken from a run directory. */
export interface ExportRunOptions extends Omit<ExportModelOptions, 'model' | 'out' | 'data' | 'run'> {
  /** A distill run directory: RUN/student/model.json and RUN/config.json. */
  run: string;
  /** Default RUN/export. */
  out?: string;
  /** Overrides the data named by RUN/config.json (a spec without a seed takes the run's split seed). */
  data?: ExportData;
}

/** Exports a distill run's student (RUN/student/model.json) with the data of RUN/config.json. */
export async function exportRun(opts: ExportRunOptions): Promise<ExportManifest> {
  const run = opts.run;
  if (!existsSync(run) || !statSync(run).isDirectory()) throw new UserError(`--run ${run}: not a directory (expected a distill run directory)`);
  const paths = runPaths(run);
  const student = paths.studentModel;
  if (!existsSync(student)) {
    throw new UserError(`--run ${run}: no student model at ${student}; is this a distill run whose training finished? (or export any model with --model PATH --data SPEC)`);
  }
  let data = opts.data;
  if (!data || (!isOpenDataset(data) && data.seed === undefined)) {
    if (!existsSync(paths.config)) {
      if (!data) throw new UserError(`--run ${run}: no config.json to say which data the student was trained on; pass --data SPEC`);
    } else {
      const rc = await readRunConfig(run);
      const d = rc.data;
      const studentInput = rc.student.inputShape ? { studentInput: rc.student.inputShape } : {};
      // An explicit --data keeps its own spec but takes the run's split seed, so the parity images stay held out.
      data = data
        ? { ...data, seed: d.seed, ...studentInput }
        : { spec: d.spec, seed: d.seed, ...(d.inputShape ? { inputShape: d.inputShape } : {}), ...(d.mean ? { mean: d.mean } : {}), ...(d.std ? { std: d.std } : {}), ...studentInput };
    }
  }
  const { run: _r, out, data: _d, ...rest } = opts;
  return exportModel({ ...rest, model: student, out: out ?? paths.exportDir, data, run });
}
