/**
 * SIGINT and SIGTERM for work that must stop cleanly: the signal is recorded and announced through an AbortSignal,
 * the work stops at its next check and throws {@link InterruptedError}, and the CLI exits 128 + the signal's number
 * (130, 143) with one line. A stretch that must not be cut in two (swapping a result folder in) runs inside
 * {@link Interrupts.critical}: a signal arriving there waits for it to end.
 */
import { constants } from 'node:os';

/** The signals handled. SIGHUP (a closed terminal) is handled like the other two. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** The exit code a shell reports for a process ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: InterruptSignal): number {
  return 128 + constants.signals[signal];
}

/**
 * Work stopped by a signal. Neither the user's input nor a bug: the CLI boundary prints `message` as one line and
 * exits with {@link exitCode}.
 */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(
    readonly signal: InterruptSignal,
    message: string,
  ) {
    super(message);
  }
  get exitCode(): number {
    return signalExitCode(this.signal);
  }
}

/** Signals caught for one piece of work; see {@link catchInterrupts}. */
export interface Interrupts {
  /** Aborted when the first signal arrives. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: InterruptSignal | undefined;
  /** Throws an {@link InterruptedError} with `message(signal)` when a signal has arrived. */
  check(message: (signal: InterruptSignal) => string): void;
  /** Runs `fn` with signals held back: one arriving meanwhile is acted on only once `fn` has settled. */
  critical<T>(fn: () => Promise<T>): Promise<T>;
  /** Removes the handlers (the default actions apply again). */
  dispose(): void;
}

/**
 * Installs handlers for {@link INTERRUPT_SIGNALS} until `dispose`. The first signal aborts `signal`; a second one
 * (a user pressing Ctrl-C again) exits at once with the signal's exit code, except inside `critical`, where it
 * exits as soon as that section ends. Without this, Node either dies mid-write (no handler) or, when a library
 * such as Playwright installs its own, carries on as if nothing happened.
 */
export function catchInterrupts(): Interrupts {
  const controller = new AbortController();
  let received: InterruptSignal | undefined;
  let depth = 0;
  let exitPending: number | undefined;
  const onSignal = (sig: InterruptSignal) => {
    if (received === undefined) {
      received = sig;
      controller.abort(sig);
      return;
    }
    const code = signalExitCode(sig);
    if (depth > 0) exitPending = code;
    else process.exit(code);
  };
  const handlers = INTERRUPT_SIGNALS.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    check(message) {
      if (received !== undefined) throw new InterruptedError(received, message(received));
    },
    async critical(fn) {
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
        if (depth === 0 && exitPending !== undefined) process.exit(exitPending);
      }
    },
    dispose() {
      for (const [s, h] of handlers) process.off(s, h);
    },
  };
}
