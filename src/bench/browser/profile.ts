/**
 * The folder Chromium's profile lives in: `edge-distill-chromium-PID-XXXXXX` in the temp dir, named with the pid of the
 * process that launched it, so that the folders of a process that is gone (killed with SIGKILL, which nothing can
 * catch) can be told from a live one's and removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../../core/pid.js';

/** The prefix of the profile folders in the temp dir. */
export const PROFILE_PREFIX = 'edge-distill-chromium-';

/** A profile folder of this process, and its removal (also run when the process exits). */
export interface ProfileHome {
  dir: string;
  remove(): void;
}

/**
 * Removes the profile folders of processes that no longer run from `dir` (default: the temp dir); a live process's
 * folder is left alone. Returns the folders removed.
 */
export async function removeStaleProfiles(dir = tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const re = new RegExp(`^${PROFILE_PREFIX}(\\d+)-`);
  for (const name of names) {
    const m = re.exec(name);
    if (!m || isProcessAlive(Number(m[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
    removed.push(join(dir, name));
  }
  return removed;
}

/** Creates a profile folder for this process, after removing those of dead processes. */
export async function createProfileHome(): Promise<ProfileHome> {
  await removeStaleProfiles();
  const dir = mkdtempSync(join(tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
  const removeNow = () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Chromium may still be writing; the next bench removes what is left.
    }
  };
  process.once('exit', removeNow);
  return {
    dir,
    remove() {
      removeNow();
      process.off('exit', removeNow);
    },
  };
}
