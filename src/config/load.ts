import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from '../core/errors.js';

/** Formats zod issues as `source: path.to.field: message` (first issue; the count of others). */
export function formatIssues(source: string, error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return `${source}: invalid`;
  const path = first.path.length ? first.path.map(String).join('.') : '(root)';
  return `${source}: ${path}: ${first.message}${rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''}`;
}

/** Validates `value` against `schema`; a failure is a {@link UserError} `source: path.to.field: message`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, source: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new UserError(formatIssues(source, r.error));
  return r.data;
}

/** Reads a JSON file, with one-line errors for a missing file or bad JSON. */
export async function readJsonFile(path: string, what = 'JSON file'): Promise<unknown> {
  if (!existsSync(path)) throw new UserError(`${path}: not found (expected a ${what})`);
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}
