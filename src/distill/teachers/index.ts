import { existsSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { Teacher } from '../../core/types.js';
import { loadLayersTeacher } from './layers-teacher.js';

/**
 * Loads a teacher from a path: a tfjs LayersModel `model.json` (or a folder holding one). Missing files, missing
 * or truncated weight shards and non-model JSON are UserErrors naming the file.
 */
export async function loadTeacher(path: string): Promise<Teacher> {
  if (!path) throw new UserError('--teacher: missing; give a tfjs model.json (train one with edge-distill train-teacher)');
  if (!existsSync(path)) throw new UserError(`--teacher ${path}: file not found; expected a tfjs model.json (train one with edge-distill train-teacher)`);
  const file = statSync(path).isDirectory() ? join(path, 'model.json') : path;
  if (extname(file) !== '.json') throw new UserError(`--teacher ${path}: unsupported teacher file (expected a tfjs model.json)`);
  return loadLayersTeacher(file);
}
