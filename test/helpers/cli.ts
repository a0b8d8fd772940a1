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

/** Runs `edge-distill ...args` in a child process; resolves with exit code and output. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliChild(args, env).done.then(({ code, stdout, stderr }) => ({ code, stdout, stderr }));
}

/**
 * Starts `edge-distill ...args` in a child process and returns it (to send it a signal) and its end: exit code (-1
 * when a signal ended it), the signal, and its output.
 */
export function cliChild(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: { ...process.env, EDGE_DISTILL_QUIET: '1', ...env } });
  const done = new Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, done };
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
