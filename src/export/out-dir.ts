/**
 * The export folder is replaced as a whole: built in a hidden staging sibling and renamed into place only when every
 * artifact passed its checks, so a failed export never leaves a half-written folder (and, with --force, never
 * destroys the previous export before the new one is complete).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { UserError } from '../core/errors.js';
import { checkOutPath } from '../run-dir/out-path.js';

/**
 * Refuses an output folder that exists and holds files unless `force`; with `force`, refuses a folder that holds the
 * source model itself (replacing it would delete the model being exported).
 */
export async function checkOutDir(out: string, opts: { force: boolean; protect: string[] }): Promise<void> {
  // A file in the way, or a folder this user cannot write (the staging folder is built beside `out`).
  await checkOutPath(out, '--out', { sibling: true });
  if (!existsSync(out)) return;
  const entries = await readdir(out);
  if (entries.length === 0) return;
  if (!opts.force) {
    throw new UserError(`--out ${out}: folder exists and holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); pass --force to replace it, or choose another --out`);
  }
  for (const p of opts.protect) {
    const rel = relative(resolve(out), resolve(p));
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new UserError(`--out ${out}: holds ${p}, which this export reads; --force would delete it. Choose another --out`);
    }
  }
}
