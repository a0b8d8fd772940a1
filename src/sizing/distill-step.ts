/** The distill stage's latency-sizing step: checks the config, reuses a resumed run's choice, or measures. */
import { existsSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/progress.js';
import type { Dataset, IOSpec, StudentFamily } from '../core/types.js';
import type { DistillConfig } from '../config/schema.js';
import { readJsonFile } from '../config/load.js';
import type { SizingReport } from './report.js';
import type { LoadedTarget } from './target-budget.js';
import { runPaths } from '../run-dir/layout.js';


/**
 * The params latency sizing chose for this run, and the report for RUN/sizing.json. A resumed run keeps the choice
 * its sizing.json records (re-measuring could pick another size than its checkpoint holds).
 */
export async function latencySizedParams(o: {
  family: StudentFamily<any>;
  c: DistillConfig;
  io: IOSpec;
  data: Dataset;
  target: LoadedTarget | undefined;
  out: string;
  resume: boolean;
  log: Logger;
}): Promise<{ params: unknown; report: SizingReport }> {
  if (!o.target) throw new UserError('--size-by latency measures candidates on a deployment target; give --target targets/NAME.json');
  if (o.c.student.params) throw new UserError('--size-by latency chooses the student\'s params by measurement; drop --params (or size by bytes)');
  const saved = runPaths(o.out).sizing;
  if (o.resume && existsSync(saved)) {
    const report = (await readJsonFile(saved, 'sizing report')) as SizingReport;
    const chosen = report.candidates.find((r) => r.description === report.chosen);
    if (!chosen) throw new UserError(`${saved}: names no chosen candidate; start a new run with another --out`);
    o.log.info(`sizing: resuming with ${chosen.description}, chosen by measurement on ${report.target.id}`);
    return { params: chosen.params, report };
  }
  const { sizeByLatency } = await import('./index.js');
  return sizeByLatency({
    family: o.family, io: o.io, target: o.target, data: o.data, log: o.log,
    ...(o.c.student.maxBytes !== undefined ? { maxBytes: o.c.student.maxBytes } : {}),
    weights: o.c.student.weights,
  });
}
