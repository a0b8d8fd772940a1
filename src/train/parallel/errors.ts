import { UserError } from '../../core/errors.js';

/**
 * A training worker stopped (it threw, crashed or ran out of memory): the run stops with its error, and every worker
 * of its pool is stopped with it. A user error (printed as one line): the usual causes are memory and the machine.
 */
export class WorkerFailedError extends UserError {
  override name = 'WorkerFailedError';
  constructor(
    message: string,
    /** 0-based index of the worker that failed. */
    readonly worker: number,
  ) {
    super(message);
  }
}
