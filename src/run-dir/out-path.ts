/**
 * Checks that an output directory can be made and written by this user before a stage starts its work, so that a
 * file in the way or a folder without write permission is one clear line rather than ENOTDIR / EACCES half-way.
 */
import { constants, existsSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../core/errors.js';

async function writable(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `this user (uid 65534)`, for permission messages (the uid, since $USER may be inherited from another user). */
function whoAmI(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `this user (uid ${uid})`;
}

/**
 * Refuses `out` when it is a file, lies under a file, or cannot be written (it, or the nearest existing folder it
 * would be made in). With `sibling` the folder that holds `out` must be writable too (for a staging folder beside
 * it, as the export's atomic replace makes).
 */
export async function checkOutPath(out: string, flag: string, o: { sibling?: boolean } = {}): Promise<void> {
  const abs = resolve(out);
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw new UserError(`${flag} ${out}: is a file, not a directory; give a directory path (a new or empty one), or move the file away`);
    if (!(await writable(abs))) throw new UserError(`${flag} ${out}: permission denied: ${whoAmI()} cannot write in it; choose a directory you can write, or change its owner or mode (chown, chmod u+w)`);
    if (o.sibling && !(await writable(dirname(abs)))) throw new UserError(`${flag} ${out}: permission denied: ${whoAmI()} cannot write in ${dirname(abs)}, where the new folder is built before it replaces ${out}; choose another ${flag}, or change that folder's owner or mode`);
    return;
  }
  let anc = dirname(abs);
  while (!existsSync(anc) && dirname(anc) !== anc) anc = dirname(anc);
  if (!statSync(anc).isDirectory()) throw new UserError(`${flag} ${out}: ${anc} is a file, so no directory can be made under it; choose another ${flag}`);
  if (!(await writable(anc))) throw new UserError(`${flag} ${out}: permission denied: ${whoAmI()} cannot create it in ${anc}; choose a directory you can write, or change that folder's owner or mode (chown, chmod u+w)`);
}
