/**
 * Replacing a folder whole: the new content is written into a hidden staging folder next to it and swapped in by two
 * renames (old aside, new in), so at every moment the folder on disk is either the previous content or the new one,
 * or, for a process killed between the two renames, the previous one set aside under a name
 * {@link recoverDirSwap} knows. Leftover names carry the writer's pid, so a later run tells a dead run's leftovers
 * (recovered or removed) from a live run's (left alone).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isProcessAlive } from './pid.js';

/** Runs the swap itself: the bench passes one that holds signals back and refuses to start once one has arrived. */
export type SwapGuard = (swap: () => Promise<void>) => Promise<void>;

/** `.NAME.PID-TAG.staging` / `.NAME.PID-TAG.old` next to NAME; older versions wrote `.NAME.TAG.KIND` (no pid). */
const leftover = (name: string) => new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:(\\d+)-)?[0-9a-f]+\\.(staging|old)$`);

/**
 * Fills a staging folder next to `dir` and swaps it in only when `fill` succeeds, replacing an earlier `dir`: a
 * writer that fails or is stopped half-way leaves the previous content whole. `guard` wraps the two renames.
 */
export async function replaceDirSafely<T>(dir: string, fill: (staging: string) => Promise<T>, guard: SwapGuard = (swap) => swap()): Promise<T> {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = join(dirname(dir), `.${basename(dir)}.${tag}.staging`);
  const old = join(dirname(dir), `.${basename(dir)}.${tag}.old`);
  await mkdir(staging, { recursive: true });
  let result: T;
  try {
    result = await fill(staging);
    await guard(async () => {
      const had = existsSync(dir);
      if (had) await rename(dir, old);
      try {
        await rename(staging, dir);
      } catch (e) {
        if (had) await rename(old, dir);
        throw e;
      }
    });
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  await rm(old, { recursive: true, force: true });
  return result;
}

/**
 * Repairs what a process killed during {@link replaceDirSafely} left next to `dir`: when `dir` is missing and a dead
 * writer's `.old` folder exists, that folder (the last complete one; the newest if several) becomes `dir` again;
 * every other leftover of a dead writer (staging folders, surplus `.old` folders) is removed. Returns one line per
 * repair, for the log.
 */
export async function recoverDirSwap(dir: string): Promise<string[]> {
  const parent = dirname(dir);
  if (!existsSync(parent)) return [];
  const re = leftover(basename(dir));
  const dead: { name: string; kind: string; mtime: number }[] = [];
  for (const name of await readdir(parent)) {
    const m = re.exec(name);
    if (!m) continue;
    const pid = m[1] === undefined ? undefined : Number(m[1]);
    if (pid !== undefined && (pid === process.pid || isProcessAlive(pid))) continue;
    dead.push({ name, kind: m[2]!, mtime: (await stat(join(parent, name))).mtimeMs });
  }
  const notes: string[] = [];
  if (!existsSync(dir)) {
    const last = dead.filter((d) => d.kind === 'old').sort((a, b) => b.mtime - a.mtime)[0];
    if (last) {
      await rename(join(parent, last.name), dir);
      dead.splice(dead.indexOf(last), 1);
      notes.push(`restored ${dir} from ${last.name}, left by an interrupted run`);
    }
  }
  for (const d of dead) {
    await rm(join(parent, d.name), { recursive: true, force: true });
    notes.push(`removed ${join(parent, d.name)}, left by an interrupted run`);
  }
  return notes;
}
