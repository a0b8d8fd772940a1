/**
 * The bench stage: every selected target × the student's exported artifacts and the teacher, measured by the
 * target's runtime, then RUN/bench/results.json. The reports on top of it are the report layer's (src/report/write.ts),
 * written by the caller's `report` into the same folder before it is swapped in.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runPaths } from '../run-dir/layout.js';
import { silentLogger } from '../core/progress.js';
import { replaceDirSafely, recoverDirSwap } from '../core/dir-swap.js';
import { catchInterrupts, type InterruptSignal, type Interrupts } from '../core/interrupt.js';
import { assembleResults, toolVersion } from './assemble.js';
import { loadBenchInputs, type BenchOptions } from './inputs.js';
import { measureAll } from './measure.js';
import { removeStaleProfiles } from './browser/profile.js';
import { writeResultsFile } from './output.js';
import type { BenchResults } from './results.js';
import { planTargets } from './rows.js';
import { teacherSource } from './teacher-source.js';

export type { BenchOptions } from './inputs.js';

/** The one line of a bench stopped by a signal: what was kept. */
function interruptedMessage(benchDir: string, signal: InterruptSignal): string {
  const kept = existsSync(benchDir) ? `${benchDir} still holds the previous results` : `${benchDir} was not created`;
  return `bench interrupted by ${signal} before it finished: nothing was written; ${kept}. Run the same command again to measure`;
}

/**
 * Runs the bench stage and writes RUN/bench/results.json (and whatever `opts.report` writes from the results),
 * replacing an earlier bench's folder whole. First repairs what an interrupted bench left (src/core/dir-swap.ts).
 * SIGINT, SIGTERM and SIGHUP stop it with an `InterruptedError` and leave the earlier folder untouched, unless
 * `opts.handleSignals` is false. Returns the results.
 */
export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const log = opts.log ?? silentLogger;
  const interrupts: Interrupts | undefined = opts.handleSignals === false ? undefined : catchInterrupts();
  try {
    const { benchDir } = runPaths(resolve(opts.runDir));
    for (const note of await recoverDirSwap(benchDir)) log.warn(`bench: ${note}`);
    for (const dir of await removeStaleProfiles()) log.info(`bench: removed ${dir}, the Chromium profile of a bench that was killed`);
    const inputs = await loadBenchInputs(opts, log);
    const stopped = () => interrupts?.check((sig) => interruptedMessage(benchDir, sig));
    const { targets, students, data, quick } = inputs;
    log.info(`bench: ${targets.length} target(s), ${students.length} student artifact(s) + teacher, ${data.n} test images${quick ? ' (quick)' : ''}`);
    const plans = planTargets(targets, students);
    const teachers = teacherSource(inputs, log);
    // After a signal, whatever a measurement threw (a page whose browser was closed) is the signal's doing.
    const measured = await measureAll(inputs, plans, teachers, { log, quiet: opts.quiet ?? false, ...(interrupts ? { signal: interrupts.signal } : {}) }).catch((e: unknown) => {
      stopped();
      throw e;
    });
    stopped();
    const results = assembleResults(inputs, measured, teachers.onnxNote(), await toolVersion());
    await replaceDirSafely(
      benchDir,
      async (staging) => {
        await writeResultsFile(staging, results);
        await opts.report?.(results, staging);
        stopped();
      },
      // The last check and the two renames run with signals held back: a signal either stops the bench before the
      // swap or waits for it.
      (swap) => (interrupts ? interrupts.critical(async () => (stopped(), swap())) : swap()),
    );
    // A signal that waited for the swap still ends the bench non-zero: a cancelled job must not look green.
    interrupts?.check((sig) => `bench interrupted by ${sig} as it finished: the new results were written whole to ${benchDir}`);
    return results;
  } finally {
    interrupts?.dispose();
  }
}
