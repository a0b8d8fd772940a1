import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/errors.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; valueName?: string };

/** A CLI subcommand: its flags (with help text) and what it runs. Loaded lazily by src/cli/index.ts. */
export interface Command {
  name: string;
  summary: string;
  /** Positional usage after the command name, e.g. "list|validate [FILES...]". */
  usage?: string;
  options: Record<string, OptionSpec>;
  allowPositionals?: boolean;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number | void>;
}

/** Renders `--help` for a command. */
export function helpText(cmd: Command): string {
  const lines = [`edge-distill ${cmd.name}${cmd.usage ? ' ' + cmd.usage : ''} [options]`, '', cmd.summary, '', 'Options:'];
  const entries = Object.entries(cmd.options).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    return [flag, o.description + (o.default !== undefined ? ` (default: ${String(o.default)})` : '')] as const;
  });
  entries.push(['-h, --help', 'show this help']);
  const w = Math.max(...entries.map(([f]) => f.length)) + 2;
  for (const [f, d] of entries) lines.push(`  ${f.padEnd(w)}${d}`);
  return lines.join('\n');
}

/**
 * `--lr -0.01` as `--lr=-0.01`: parseArgs refuses a value that starts with a dash as "ambiguous", so a negative
 * number given to a string flag would never reach the flag's own range check and its message.
 */
function joinNegativeValues(argv: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return out.concat(argv.slice(i));
    const next = argv[i + 1];
    const long = a.startsWith('--') && !a.includes('=') ? options[a.slice(2)] : undefined;
    const short = /^-[a-zA-Z]$/.test(a) ? Object.entries(options).find(([, o]) => o.short === a.slice(1))?.[1] : undefined;
    const opt = long ?? short;
    if (opt?.type === 'string' && next !== undefined && /^-(\d|\.\d|inf|Infinity|NaN)/i.test(next)) {
      out.push(`${long ? a : `--${Object.entries(options).find(([, o]) => o === opt)![0]}`}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Parses argv for `cmd`; an unknown flag or a missing value is a {@link UserError} that points at --help. */
export function parseCommandArgs(cmd: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[]; help: boolean } {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [k, o] of Object.entries(cmd.options)) {
    const { description: _d, valueName: _v, ...rest } = o;
    options[k] = rest;
  }
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: cmd.allowPositionals ?? false, strict: true });
    return { values: values as Record<string, unknown>, positionals, help: Boolean(values.help) };
  } catch (e) {
    throw new UserError(`${(e as Error).message.split('\n')[0]} (see edge-distill ${cmd.name} --help)`);
  }
}

/** Reads a numeric flag; a value that is not a number in range is a {@link UserError} naming the flag. */
export function numberFlag(values: Record<string, unknown>, name: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const bad = !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min);
  if (bad) {
    throw new UserError(`--${name} ${String(raw)}: expected ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`);
  }
  return n;
}
