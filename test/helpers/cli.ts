/**
 * The one CLI test harness: every e2e test runs the CLI through {@link cli} (a child process on ./cli-entry.ts, the
 * real argv → exit code path) or {@link cliInProcess} (fast, same error boundary), and checks refusals with
 * {@link errorLines} / {@link expectUserError}.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

/** A CLI child process still running: its pid, for sending it signals, and its outcome once it ends. */
export interface CliChild {
  pid: number;
  /** Output so far. */
  readonly stderr: string;
  /** True once it has exited (its pid may then belong to another process: do not signal it). */
  readonly exited: boolean;
  /** Resolves when it has exited: its exit code (-1 when a signal ended it), the signal, and all its output. */
  done: Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `edge-distill ...args` in a child process (the real argv → exit code path) without waiting for it. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliChild {
  const p = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: { ...process.env, EDGE_DISTILL_QUIET: '1', ...env } });
  let stdout = '';
  let stderr = '';
  let exited = false;
  p.on('exit', () => (exited = true));
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    p.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return {
    pid: p.pid!,
    get stderr() {
      return stderr;
    },
    get exited() {
      return exited;
    },
    done,
  };
}

/** Runs `edge-distill ...args` in a child process; resolves with exit code and output. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await spawnCli(args, env).done;
  return { code, stdout, stderr };
}

/**
 * Starts `edge-distill ...args` in a child process and returns it (to send it real signals) with a promise of its
 * exit: `code` is -1 and `signal` set when a signal ended it. `command` runs it as another program instead (e.g.
 * `setpriv --reuid=65534 ... node`): its arguments come first, then node's.
 */
export function startCli(args: string[], env: Record<string, string> = {}, command?: string[]): { child: ChildProcess; done: Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const argv = ['--import', 'tsx', entry, ...args];
  const child = command ? spawn(command[0]!, [...command.slice(1), process.execPath, ...argv], { env: { ...process.env, EDGE_DISTILL_QUIET: '1', ...env } }) : spawn(process.execPath, argv, { env: { ...process.env, EDGE_DISTILL_QUIET: '1', ...env } });
  const done = new Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, done };
}

/** {@link startCli} without another program: the child to send a signal, and its end. */
export function cliChild(args: string[], env: Record<string, string> = {}): ReturnType<typeof startCli> {
  return startCli(args, env);
}

/** Resolves once `cond()` holds (polled every 20 ms), or rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 60_000, what = 'the condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The error lines a failed command printed (one expected). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('error: '));
}

/**
 * Runs `edge-distill ...args` in this process (no tsx/tfjs start-up per call): stdout and stderr are captured
 * from console and process.stderr. Same error boundary and exit codes as {@link cli}.
 */
export async function cliInProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli/index.js');
  let stdout = '';
  let stderr = '';
  const saved = { log: console.log, error: console.error, write: process.stderr.write, env: { ...process.env } };
  Object.assign(process.env, { EDGE_DISTILL_QUIET: '1', ...env });
  console.log = (...a: unknown[]) => void (stdout += a.map(String).join(' ') + '\n');
  console.error = (...a: unknown[]) => void (stderr += a.map(String).join(' ') + '\n');
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    process.stderr.write = saved.write;
    for (const k of Object.keys(env).concat('EDGE_DISTILL_QUIET')) {
      if (saved.env[k] === undefined) delete process.env[k];
      else process.env[k] = saved.env[k];
    }
  }
}

/**
 * Runs the CLI (`run`: a child process by default, or {@link cliInProcess}) and expects a user error: exit 1, exactly
 * one `error:` line matching `re`, no stack trace, and `out` (when given) not created or left empty.
 */
export async function expectUserError(args: string[], re: RegExp, o: { out?: string; run?: typeof cli } = {}): Promise<void> {
  const r = await (o.run ?? cli)(args);
  assert.equal(r.code, 1, `exit code: ${r.code}\n${r.stderr}`);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  if (o.out) assert.ok(!existsSync(o.out) || readdirSync(o.out).length === 0, `${o.out} must not be half-written`);
}
