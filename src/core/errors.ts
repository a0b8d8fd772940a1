/**
 * Error classes. The CLI has one catch site (src/cli/index.ts): a {@link UserError} is the user's to fix and is
 * printed as one line with exit code 1; anything else is a bug and is printed with its stack, exit code 70.
 */

/** A problem with the user's input (flag, file, config, data). `message` is one line: what, what is allowed, what to try. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Training stopped because the loss became NaN or ±Inf. A user error (the learning rate or the data is the usual
 * cause), and a class of its own so that searches (--tune, --candidates) can pass over a diverged trial without
 * matching message text. `epoch` and `step` are 1-based.
 */
export class DivergedError extends UserError {
  override name = 'DivergedError';
  constructor(
    message: string,
    readonly epoch: number,
    readonly step: number,
  ) {
    super(message);
  }
}

/** Throws a {@link UserError} built by `msg` (only called when `cond` is false, so building it may be costly). */
export function assertUser(cond: unknown, msg: () => string): asserts cond {
  if (!cond) throw new UserError(msg());
}

/** True when `e` is an error the user caused (as opposed to a bug). */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Formats a list of allowed names for error messages: `[a, b, c]`. */
export function listOf(names: Iterable<string>): string {
  return `[${[...names].join(', ')}]`;
}
