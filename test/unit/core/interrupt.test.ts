/** SIGINT/SIGTERM as InterruptedError (src/core/interrupt.ts), with real signals sent to this process and to a child. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { catchInterrupts, InterruptedError, signalExitCode } from '../../../src/core/interrupt.js';

test('exit codes are 128 + the signal number', () => {
  assert.equal(signalExitCode('SIGINT'), 130);
  assert.equal(signalExitCode('SIGTERM'), 143);
  assert.equal(signalExitCode('SIGHUP'), 129);
});

test('the first signal aborts and makes check throw; dispose removes the handlers', async () => {
  const before = process.listenerCount('SIGTERM');
  const i = catchInterrupts();
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  i.check(() => 'not thrown');
  process.kill(process.pid, 'SIGTERM');
  for (let k = 0; k < 100 && !i.signal.aborted; k++) await sleep(10);
  assert.equal(i.signal.aborted, true);
  assert.equal(i.received, 'SIGTERM');
  assert.throws(() => i.check((s) => `stopped by ${s}`), (e: unknown) => e instanceof InterruptedError && e.message === 'stopped by SIGTERM' && e.exitCode === 143);
  i.dispose();
  assert.equal(process.listenerCount('SIGTERM'), before);
});

test('a second signal exits at once, but only after a critical section ends', () => {
  const mod = fileURLToPath(new URL('../../../src/core/interrupt.ts', import.meta.url));
  const script = `
    import { catchInterrupts } from ${JSON.stringify(mod)};
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const i = catchInterrupts();
    await i.critical(async () => {
      process.kill(process.pid, 'SIGINT');
      await sleep(100);
      process.kill(process.pid, 'SIGINT');
      await sleep(300);
      console.log('critical section finished');
    });
    console.log('not reached');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 130, r.stderr);
  assert.equal(r.stdout, 'critical section finished\n');
});
