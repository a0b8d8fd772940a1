/**
 * Outputs that cannot be written, through the real CLI (issue 17, failure 6): --out that is a file or lies under
 * one, and (run as the unprivileged user nobody, where this machine allows it) folders and files this user may not
 * write or read. Each is one line naming the path, exit 1, no stack trace, and nothing created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cliInProcess, expectUserError as expectUserErrorOf, startCli } from '../helpers/cli.js';
import { saveTinyModel, tmp } from '../helpers/tiny.js';
import { useBackend } from '../helpers/backend.js';

const base = tmp('ed-fail-out-');
/** Refusals as root run in this process (same error boundary); the unprivileged ones are child processes. */
const expectUserError = (args: string[], re: RegExp) => expectUserErrorOf(args, re, { run: cliInProcess });
chmodSync(base, 0o755); // the unprivileged user must see into it

/** Runs the CLI as uid/gid 65534 (nobody) through setpriv. */
const asNobody = (args: string[]) => startCli(args, {}, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']).done;

/** Why the unprivileged tests cannot run here, or undefined when they can. */
function cannotDropPrivileges(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root, so there is no other user to become (run the tests as root to include them)';
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
  if (r.error || r.status !== 0) return `setpriv cannot switch to uid 65534 here (${r.error?.message ?? r.stderr.toString().trim()}); install util-linux`;
  return undefined;
}
const skip = cannotDropPrivileges();
if (skip) console.log(`# skipping the unprivileged-user tests: ${skip}`);

/** A finished-looking run owned by root: student/ (a tiny model) and config.json, readable by everyone. */
async function rootRun(name: string): Promise<string> {
  await useBackend('cpu');
  const run = join(base, name);
  mkdirSync(run);
  cpSync(dirname(await saveTinyModel({ inputShape: [28, 28, 1], classes: 10 })), join(run, 'student'), { recursive: true });
  writeFileSync(join(run, 'config.json'), JSON.stringify({ data: { spec: 'mnist', seed: 1234 }, teacher: null, loss: { terms: [{ kind: 'hard-ce', weight: 1 }] } }));
  for (const d of [run, join(run, 'student')]) chmodSync(d, 0o755);
  for (const f of readdirSync(join(run, 'student'))) chmodSync(join(run, 'student', f), 0o644);
  chmodSync(join(run, 'config.json'), 0o644);
  return run;
}

test('--out that is a file, or lies under one: one line naming it, for distill and export', async () => {
  const file = join(base, 'a-file');
  writeFileSync(file, 'not a folder');
  await expectUserError(['distill', '--no-teacher', '--out', file], /^error: --out .*a-file: is a file, not a directory; give a directory path/);
  await expectUserError(['distill', '--no-teacher', '--out', join(file, 'run')], /^error: --out .*a-file\/run: .*a-file is a file, so no directory can be made under it; choose another --out$/);
  await expectUserError(['train-teacher', '--out', join(file, 'deeper', 'run')], /a-file is a file, so no directory can be made under it/);
  await expectUserError(['cache', '--teacher', join(file, 'model.json'), '--out', join(file, 'cache')], /^error: --out .*a-file\/cache: .*a-file is a file, so no directory can be made under it/);
  await expectUserError(['run', '--teacher', join(file, 'model.json'), '--out', join(file, 'run')], /^error: --out .*a-file\/run: .*a-file is a file, so no directory can be made under it/);
  const run = await rootRun('run-for-file');
  await expectUserError(['export', '--run', run, '--out', file], /^error: --out .*a-file: is a file, not a directory/);
  assert.deepEqual(readdirSync(run).sort(), ['config.json', 'student']);
});

test('as an unprivileged user: --out in a folder it may not write, an existing folder it may not write, and exporting a run it does not own', { skip }, async () => {
  const locked = join(base, 'roots');
  mkdirSync(join(locked, 'existing'), { recursive: true });
  for (const d of [locked, join(locked, 'existing')]) chmodSync(d, 0o755);
  const check = async (args: string[], re: RegExp) => {
    const r = await asNobody(args);
    assert.equal(r.code, 1, `exit code ${r.code}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };
  await check(['distill', '--no-teacher', '--out', join(locked, 'run')], /^error: --out .*roots\/run: permission denied: this user \(uid 65534\) cannot create it in .*roots; choose a directory you can write/);
  await check(['distill', '--no-teacher', '--out', join(locked, 'existing')], /^error: --out .*roots\/existing: permission denied: this user \(uid 65534\) cannot write in it/);
  assert.deepEqual(readdirSync(locked), ['existing']);
  assert.deepEqual(readdirSync(join(locked, 'existing')), []);

  // Export writes RUN/export inside the run: a run owned by root is refused before any work.
  const run = await rootRun('root-run');
  await check(['export', '--run', run], /^error: --out .*root-run\/export: permission denied: this user \(uid 65534\) cannot create it in .*root-run/);
  // With --out elsewhere, a run file the user may not read is named.
  const mine = join(base, 'nobodys');
  mkdirSync(mine);
  chmodSync(mine, 0o777);
  chmodSync(join(run, 'config.json'), 0o600);
  await check(['export', '--run', run, '--out', join(mine, 'e1')], /^error: .*root-run\/config.json: permission denied: this user may not read it/);
  chmodSync(join(run, 'config.json'), 0o644);
  const shard = readdirSync(join(run, 'student')).find((f) => f.endsWith('.bin'))!;
  chmodSync(join(run, 'student', shard), 0o600);
  await check(['export', '--run', run, '--out', join(mine, 'e2')], new RegExp(`^error: .*root-run/student/${shard}: permission denied: this user may not read or write it.*\\(EACCES in open\\)$`));
  assert.deepEqual(readdirSync(mine), [], 'no export folder, staging folder or temp file is left');
  assert.deepEqual(readdirSync(run).sort(), ['config.json', 'student']);
  assert.ok(!existsSync(join(run, 'export')));
});
