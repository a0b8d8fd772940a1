/**
 * The run directory's lock: RUN/.lock, created exclusively by the process that writes the run and holding its PID,
 * host and start time, so a second writer is refused with the holder named instead of both writing the same files.
 * A lock whose process is gone (killed, crashed) is stale and taken over.
 */
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { RUN_FILES } from './layout.js';

/** What RUN/.lock holds. */
interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** A held lock; {@link RunLock.release} removes it (only while it is still this process's). */
export interface RunLock {
  path: string;
  release(): Promise<void>;
}

/** True when a process with `pid` exists on this machine (EPERM: it exists, run by another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as LockInfo) : undefined;
  } catch {
    return undefined; // being written, or garbage: treated as stale below only when unreadable twice
  }
}

/** The refusal when `info` holds `run`'s lock and its process lives (or may: another host). */
function heldBy(run: string, flag: string, info: LockInfo, path: string): UserError {
  const who = `PID ${info.pid}${info.host !== hostname() ? ` on ${info.host}` : ''}, started ${info.started}`;
  const stop = info.host !== hostname() ? `if that process is gone, delete ${path}` : `wait for it to finish or stop it (kill ${info.pid})`;
  return new UserError(`${flag} ${run}: another edge-distill (${who}: ${info.command}) is writing this run directory; ${stop}, or choose another ${flag}`);
}

/** The lock's holder when it is a live process (a stale lock, or none, gives undefined). */
export async function liveLockHolder(run: string): Promise<LockInfo | undefined> {
  const info = await readLock(join(run, RUN_FILES.lock));
  if (!info) return undefined;
  return info.host !== hostname() || alive(info.pid) ? info : undefined;
}

/** Refuses early (before any work) when a live process holds `run`'s lock. */
export async function checkNotLocked(run: string, flag: string): Promise<void> {
  const info = await liveLockHolder(run);
  if (info && info.pid !== process.pid) throw heldBy(run, flag, info, join(run, RUN_FILES.lock));
}

/**
 * Takes `run`'s lock (the directory must exist): created with O_EXCL so two processes cannot both get it. A lock
 * left by a process that is gone is removed and taken; one held by a live process is a {@link UserError} naming it.
 */
export async function acquireRunLock(run: string, flag: string): Promise<RunLock> {
  const path = join(run, RUN_FILES.lock);
  const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: `edge-distill ${process.argv.slice(2).join(' ')}`.trim() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify(info) + '\n');
      } finally {
        await fh.close();
      }
      return {
        path,
        async release() {
          const now = await readLock(path);
          if (now?.pid === process.pid && now.started === info.started) await rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readLock(path);
    if (holder && (holder.host !== hostname() || alive(holder.pid))) throw heldBy(run, flag, holder, path);
    if (!holder && attempt === 0) {
      // Just created by another process that has not written its PID yet: look again before calling it stale.
      await new Promise((r) => setTimeout(r, 200));
      const again = await readLock(path);
      if (again && (again.host !== hostname() || alive(again.pid))) throw heldBy(run, flag, again, path);
    }
    if (existsSync(path)) await rm(path, { force: true }); // stale: its process is gone
  }
  throw new UserError(`${flag} ${run}: could not take the run directory's lock ${path} (other processes keep taking it); try again`);
}
