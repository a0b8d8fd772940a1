/**
 * Progress display for long work. On a TTY: one redrawn line with a bar, rate and ETA. Otherwise (CI logs, pipes):
 * a plain line at most every `intervalMs`, plus the final one.
 */
export interface Progress {
  /** Advances by `n` units and sets the trailing text (e.g. "loss 0.123"). */
  tick(n?: number, info?: string): void;
  /** Prints the final line. */
  done(info?: string): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
  /** Silences output entirely (library use, tests). */
  quiet?: boolean;
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

/** Creates a {@link Progress} writing to stderr (so stdout stays machine-readable). */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const unit = opts.unit ?? 'it';
  const interval = opts.intervalMs ?? (tty ? 100 : 5000);
  const start = performance.now();
  let count = 0;
  let last = 0;
  let info = '';
  const line = () => {
    const elapsed = (performance.now() - start) / 1000;
    const rate = count / Math.max(elapsed, 1e-9);
    const eta = (opts.total - count) / Math.max(rate, 1e-9);
    const frac = opts.total > 0 ? Math.min(1, count / opts.total) : 1;
    const width = 24;
    const bar = tty ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
    return `${opts.label} ${bar}${count}/${opts.total} ${unit} ${(frac * 100).toFixed(0)}% ${rate.toFixed(1)} ${unit}/s ETA ${fmtSeconds(eta)}${info ? ' ' + info : ''}`;
  };
  const write = (final: boolean) => {
    if (opts.quiet) return;
    if (tty) stream.write(`\r\x1b[K${line()}${final ? '\n' : ''}`);
    else stream.write(line() + '\n');
  };
  return {
    tick(n = 1, text) {
      count += n;
      if (text !== undefined) info = text;
      const now = performance.now();
      if (now - last >= interval) {
        last = now;
        write(false);
      }
    },
    done(text) {
      if (text !== undefined) info = text;
      write(true);
    },
  };
}

/** A logger that the library uses for human-readable messages; the CLI prints them to stderr. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** The default logger: stderr, silent when EDGE_DISTILL_QUIET=1. */
export const stderrLogger: Logger = {
  info: (m) => {
    if (process.env.EDGE_DISTILL_QUIET !== '1') process.stderr.write(m + '\n');
  },
  warn: (m) => {
    process.stderr.write(`warning: ${m}\n`);
  },
};

/** A logger that prints nothing (tests, library callers who want quiet). */
export const silentLogger: Logger = { info: () => {}, warn: () => {} };
