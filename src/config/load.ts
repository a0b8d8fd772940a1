import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { UserError, listOf } from '../core/errors.js';
import { editDistance } from '../core/names.js';

/** The keys an object schema accepts at `path` inside `schema` (defaults, optionals, pipes and arrays unwrapped). */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const unwrap = (s: z.ZodType | undefined, index: boolean): z.ZodType | undefined => {
    for (let n = 0; s && n < 20; n++) {
      const def = (s as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; shape?: unknown } }).def;
      if (def.type === 'object' && !index) return s;
      if (def.type === 'array' && index) return def.element;
      const inner = def.innerType ?? def.in;
      if (!inner) return undefined;
      s = inner;
    }
    return undefined;
  };
  let s: z.ZodType | undefined = unwrap(schema, false);
  for (const p of path) {
    if (typeof p === 'number') s = unwrap(unwrap(s, true), false);
    else s = unwrap((s as z.ZodObject | undefined)?.shape?.[String(p)] as z.ZodType | undefined, false);
  }
  return s ? Object.keys((s as z.ZodObject).shape) : [];
}

/**
 * Turns zod's "Unrecognized keys" (one issue on the parent) into one issue per key, at the key, with a hint: the
 * nearest allowed key when it is close (a typo), else the allowed keys.
 */
export function explainUnknownKeys(error: z.ZodError, schema: z.ZodType): z.ZodError {
  const issues = error.issues.flatMap((issue): z.core.$ZodIssue[] => {
    if (issue.code !== 'unrecognized_keys') return [issue];
    const known = knownKeysAt(schema, issue.path);
    return issue.keys.map((key) => {
      const best = known.map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
      const hint = best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean "${best.k}"?` : `allowed: ${listOf(known)}`;
      return { ...issue, path: [...issue.path, key], message: `unknown field; ${hint}` };
    });
  });
  return new z.ZodError(issues);
}

const pathOf = (issue: z.core.$ZodIssue) => (issue.path.length ? issue.path.map(String).join('.') : '(root)');

/**
 * Formats zod issues as `source: path.to.field: message` (first issue; the count of others). Unknown fields (after
 * {@link explainUnknownKeys}) are all listed, each with its hint, since a config with several typos should be fixed
 * in one go.
 */
export function formatIssues(source: string, error: z.ZodError): string {
  const unknown = error.issues.filter((i) => i.code === 'unrecognized_keys');
  const others = error.issues.filter((i) => i.code !== 'unrecognized_keys');
  if (unknown.length > 1) {
    const more = others.length ? ` (and ${others.length} more problem${others.length > 1 ? 's' : ''}, first: ${pathOf(others[0]!)}: ${others[0]!.message})` : '';
    return `${source}: ${unknown.length} unknown fields: ${unknown.map((i) => `${pathOf(i)} (${i.message.replace(/^unknown field; /, '')})`).join(', ')}${more}`;
  }
  const [first, ...rest] = error.issues;
  if (!first) return `${source}: invalid`;
  return `${source}: ${pathOf(first)}: ${first.message}${rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''}`;
}

/** Validates `value` against `schema`; a failure is a {@link UserError} `source: path.to.field: message`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, source: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new UserError(formatIssues(source, explainUnknownKeys(r.error, schema)));
  return r.data;
}

/** Reads a JSON file, with one-line errors for a missing file or bad JSON. */
export async function readJsonFile(path: string, what = 'JSON file'): Promise<unknown> {
  if (!existsSync(path)) throw new UserError(`${path}: not found (expected a ${what})`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${path}: permission denied: this user may not read it (${code}); run as a user who may, or change its owner or mode (chmod a+r)`);
    throw new UserError(`${path}: cannot be read (${(e as Error).message}); expected a ${what}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}
