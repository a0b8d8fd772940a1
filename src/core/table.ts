/** Plain-text tables for the log. */

/**
 * Rows padded into aligned columns two spaces apart (trailing spaces trimmed); columns for which `right(i)` holds
 * are right-aligned (numbers), the rest left-aligned.
 */
export function alignedRows(rows: string[][], right: (column: number) => boolean): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (right(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}
