/** Which (format, precision) pairs an export writes, from the --format and --quantize lists. */
import { UserError, listOf } from '../core/errors.js';
import type { ArtifactFormat, Precision } from '../core/types.js';
import { exporters } from './registry.js';

/** Names --quantize accepts; `none` (and `fp32`) mean unquantized float32. */
export const QUANTIZE_CHOICES = ['none', 'fp32', 'float16', 'uint16', 'uint8', 'int8'] as const;

/** The artifacts to write and the requested pairs skipped. */
export interface ExportPlan {
  items: { format: ArtifactFormat; precision: Precision }[];
  skipped: { format: ArtifactFormat; precision: Precision; reason: string }[];
}

/** Parses one --quantize name. */
export function parsePrecision(name: string): Precision {
  if (!(QUANTIZE_CHOICES as readonly string[]).includes(name)) {
    throw new UserError(`unknown precision: "${name}". Must be one of ${listOf(QUANTIZE_CHOICES)} (--quantize)`);
  }
  return name === 'none' ? 'fp32' : (name as Precision);
}

/**
 * Crosses formats with precisions. A pair a format cannot write is skipped with a reason; a precision no requested
 * format can write, an unknown name, or an empty list is a {@link UserError}.
 */
export function planExports(formats: string[], precisions: string[]): ExportPlan {
  if (!formats.length) throw new UserError(`no export format given; --format takes a comma-separated list of ${listOf(exporters.names())}`);
  if (!precisions.length) throw new UserError(`no precision given; --quantize takes a comma-separated list of ${listOf(QUANTIZE_CHOICES)}`);
  const writers = [...new Set(formats)].map((f) => exporters.get(f));
  const wanted = [...new Set(precisions.map(parsePrecision))];
  const plan: ExportPlan = { items: [], skipped: [] };
  for (const p of wanted) {
    const able = writers.filter((w) => w.precisions.includes(p));
    if (!able.length) {
      const offers = writers.map((w) => `${w.name}: ${listOf(w.precisions)}`).join('; ');
      throw new UserError(`precision ${p} is not available for --format ${writers.map((w) => w.name).join(',')} (${offers})`);
    }
  }
  for (const w of writers) {
    for (const p of wanted) {
      if (w.precisions.includes(p)) plan.items.push({ format: w.name, precision: p });
      else plan.skipped.push({ format: w.name, precision: p, reason: `${w.name} has no ${p} export (it offers ${listOf(w.precisions)})` });
    }
  }
  return plan;
}
