/** `--workers N|auto` (train.workers) resolved to a count of training threads, checked against the machine's cores. */
import { availableParallelism } from 'node:os';
import { UserError } from '../core/errors.js';
import { DEFAULT_WORKERS, WORKERS_AUTO } from './schema.js';

/**
 * The number of training threads `value` asks for: `auto` is os.availableParallelism(); otherwise a whole number from
 * 1 to the cores available. More threads than cores is refused rather than capped: capping would silently change the
 * result (it depends on N), and oversubscribed threads only slow each other down. `where` names the flag or config
 * field in the error, e.g. `--workers` or `config.json: train.workers`.
 */
export function resolveWorkers(value: unknown, where: string, cores = availableParallelism()): number {
  if (value === WORKERS_AUTO) return cores;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  const hint = `expected a whole number from 1 to ${cores} (the cores available) or ${WORKERS_AUTO}`;
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${where} ${String(value)}: ${hint}`);
  if (n > cores) throw new UserError(`${where} ${n}: this machine has ${cores} core${cores === 1 ? '' : 's'} available, so at most ${cores} training threads help; ${hint}`);
  return n;
}

/** The thread count of a train.workers value without the check against the cores (`auto`: the cores available). */
export function workerCount(value: number | typeof WORKERS_AUTO | undefined, cores = availableParallelism()): number {
  return value === WORKERS_AUTO ? cores : (value ?? DEFAULT_WORKERS);
}
