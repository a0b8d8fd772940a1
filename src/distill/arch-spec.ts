import { UserError } from '../core/errors.js';
import { studentFamilies } from '../students/index.js';

/**
 * Parses an architecture spec: `FAMILY` (its default member) or `FAMILY:key=value,key=value`
 * (e.g. `cnn:width=2,depth=3`). Values are numbers. Unknown families list the known ones.
 */
export function parseArch(spec: string, flag = '--arch'): { family: string; params?: Record<string, number> } {
  const [name, rest] = spec.split(':', 2) as [string, string | undefined];
  studentFamilies.get(name);
  if (rest === undefined || rest === '') return { family: name };
  const params: Record<string, number> = {};
  for (const kv of rest.split(',')) {
    const [k, v] = kv.split('=');
    const n = Number(v);
    if (!k || v === undefined || !Number.isFinite(n)) throw new UserError(`${flag} ${spec}: "${kv}" is not key=number (e.g. ${name}:width=2,depth=3)`);
    params[k] = n;
  }
  return { family: name, params };
}
