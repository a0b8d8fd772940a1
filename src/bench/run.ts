/**
 * The bench stage: every selected target × the student's exported artifacts and the teacher, measured by the
 * target's runtime, then RUN/bench/results.json. The reports on top of it are the report layer's (src/report/write.ts).
 */
import { runPaths } from '../run-dir/layout.js';
import { silentLogger } from '../core/progress.js';
import { assembleResults, toolVersion } from './assemble.js';
import { loadBenchInputs, type BenchOptions } from './inputs.js';
import { measureAll } from './measure.js';
import { writeResults } from './output.js';
import type { BenchResults } from './results.js';
import { planTargets } from './rows.js';
import { teacherSource } from './teacher-source.js';

export type { BenchOptions } from './inputs.js';

/**
 * Runs the bench stage and writes RUN/bench/results.json, replacing an earlier bench's folder whole. Returns the
 * results; the caller writes the reports from them (`writeReports` in src/report/write.ts).
 */
export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const log = opts.log ?? silentLogger;
  const inputs = await loadBenchInputs(opts, log);
  const { targets, students, data, quick } = inputs;
  log.info(`bench: ${targets.length} target(s), ${students.length} student artifact(s) + teacher, ${data.n} test images${quick ? ' (quick)' : ''}`);
  const plans = planTargets(targets, students);
  const teachers = teacherSource(inputs, log);
  const measured = await measureAll(inputs, plans, teachers, { log, quiet: opts.quiet ?? false });
  const results = assembleResults(inputs, measured, teachers.onnxNote(), await toolVersion());
  await writeResults(runPaths(inputs.runDir).benchDir, results);
  return results;
}
