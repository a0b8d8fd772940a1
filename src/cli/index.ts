import { isUserError } from '../core/errors.js';
import { InterruptedError } from '../core/interrupt.js';
import { helpText, parseCommandArgs } from './command.js';
import { COMMANDS } from './commands.js';

function topHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    'edge-distill: distill a teacher into a small student, export it for the web, and benchmark it where it runs.',
    '',
    'Usage: edge-distill <command> [options]      (edge-distill <command> --help for its options)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}${c.summary}`),
  ].join('\n');
}

/** What the machine refused (a file in the way, permissions, a full or read-only disk), by errno code. */
const ENVIRONMENT_ERRORS: Record<string, string> = {
  EACCES: 'permission denied: this user may not read or write it; run as a user who may, or change its owner or mode (chown, chmod)',
  EPERM: 'operation not permitted for this user; run as a user who may, or change its owner or mode (chown, chmod)',
  EROFS: 'the file system is read-only; choose a path on a writable disk',
  ENOSPC: 'no space left on the device; free some space or choose a path on another disk',
  EDQUOT: 'disk quota exceeded; free some space or choose a path on another disk',
  ENOTDIR: 'a part of the path is a file, not a directory; choose another path or move the file away',
  EISDIR: 'is a directory where a file was expected; choose another path',
};

/**
 * A system error the user's machine caused rather than a bug (the stages check what they can up front; this names
 * the path of whatever slips past): one line, as a user error.
 */
function environmentError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  const what = err && typeof err === 'object' && typeof err.code === 'string' ? ENVIRONMENT_ERRORS[err.code] : undefined;
  if (!what || typeof err.path !== 'string') return undefined;
  return `${err.path}: ${what} (${err.code} in ${err.syscall ?? 'a file operation'})`;
}

/**
 * The CLI's one error boundary. A user error (or a system error the machine caused: permissions, a file in the way,
 * a full disk) prints one line and returns 1; work stopped by a signal prints one line and returns 128 + the
 * signal's number (130 for SIGINT, 143 for SIGTERM); anything else is a bug: stack, 70.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      console.log(topHelp());
      return 0;
    }
    if (name === '--version') {
      const { readFile } = await import('node:fs/promises');
      const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      console.log(pkg.version);
      return 0;
    }
    const entry = COMMANDS[name];
    if (!entry) {
      console.error(`error: unknown command "${name}". Must be one of [${Object.keys(COMMANDS).join(', ')}] (see edge-distill --help)`);
      return 1;
    }
    const cmd = await entry.load();
    const { values, positionals, help } = parseCommandArgs(cmd, rest);
    if (help) {
      console.log(helpText(cmd));
      return 0;
    }
    return (await cmd.run(values, positionals)) ?? 0;
  } catch (e) {
    if (isUserError(e)) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    if (e instanceof InterruptedError) {
      console.error(`error: ${e.message}`);
      return e.exitCode;
    }
    const env = environmentError(e);
    if (env) {
      console.error(`error: ${env}`);
      return 1;
    }
    console.error('edge-distill hit an internal error (a bug; please report it with the command you ran):');
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    return 70;
  }
}
