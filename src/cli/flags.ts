import { UserError } from '../core/errors.js';
import { specValue } from '../data/augment/index.js';
import { TRAIN_DEFAULTS, WORKERS_AUTO } from '../config/schema.js';

/**
 * Parses `--loss soft-kl=0.9,hard-ce=0.1` into loss terms; `TERM=W:KEY=V:KEY=V` sets a term's parameters as
 * `--augment` does an op's (e.g. `dkd=1:alpha=1:beta=8:temperature=4,hard-ce=1`, `soft-kl=9:standardize=true`).
 * The parameters are checked against the term's schema when the config is resolved.
 */
export function parseLossFlag(value: string): Record<string, unknown>[] {
  return value.split(',').filter(Boolean).map((part) => {
    const [head = '', ...pairs] = part.split(':');
    const [kind, w] = head.split('=');
    const weight = w === undefined ? 1 : Number(w);
    if (!kind || !Number.isFinite(weight) || weight < 0) throw new UserError(`--loss ${value}: "${part}" is not TERM=WEIGHT[:KEY=VALUE...] (e.g. soft-kl=0.9,hard-ce=0.1 or dkd=1:beta=8,hard-ce=1)`);
    const term: Record<string, unknown> = { kind, weight };
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UserError(`--loss ${value}: "${pair}" is not KEY=VALUE (e.g. dkd=1:beta=8)`);
      const key = pair.slice(0, at);
      if (key === 'kind' || key === 'weight') throw new UserError(`--loss ${value}: "${pair}": the ${key} is set by TERM=WEIGHT, not as a parameter`);
      term[key] = specValue(pair.slice(at + 1));
    }
    return term;
  });
}

/** Parses `--feature student:block2=teacher:conv3@1.0` (prefixes optional, weight defaults to 1) into a feature-mse term. */
export function parseFeatureFlag(value: string): { kind: 'feature-mse'; weight: number; student: string; teacher: string } {
  const m = /^(?:student:)?([^=@]+)=(?:teacher:)?([^@]+)(?:@([0-9.eE+-]+))?$/.exec(value);
  const weight = m?.[3] === undefined ? 1 : Number(m[3]);
  if (!m || !Number.isFinite(weight)) throw new UserError(`--feature ${value}: expected student:LAYER=teacher:LAYER[@WEIGHT], e.g. student:block2=teacher:block2@1.0`);
  return { kind: 'feature-mse', weight, student: m[1]!, teacher: m[2]! };
}

/** Parses `key=number,key=number` (student params). */
export function parseParamsFlag(flag: string, value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of value.split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    const n = Number(v);
    if (!k || v === undefined || !Number.isFinite(n)) throw new UserError(`${flag} ${value}: "${kv}" is not key=number (e.g. width=0.5,depth=2)`);
    out[k] = n;
  }
  return out;
}

/** Sets `obj.a.b = value` for path ['a', 'b'], creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[path.at(-1)!] = value;
}

/** A comma-separated flag value as a list (blank items dropped); undefined when the flag is absent. */
export function listFlag(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  return String(v)
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** `--workers N|auto`, shared by every command that trains. */
export const WORKERS_OPTION = {
  type: 'string',
  description: `training threads: N (1 to the cores available) or ${WORKERS_AUTO} (every core); each computes the gradients of its slice of the batch, BatchNorm statistics per thread (default ${TRAIN_DEFAULTS.workers})`,
  valueName: 'N|auto',
} as const;
