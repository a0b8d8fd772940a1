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

/**
 * The CLI's one error boundary. A user error prints one line and returns 1; work stopped by a signal prints one line
 * and returns 128 + the signal's number (130 for SIGINT, 143 for SIGTERM); anything else is a bug: stack, 70.
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
    console.error('edge-distill hit an internal error (a bug; please report it with the command you ran):');
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    return 70;
  }
}
