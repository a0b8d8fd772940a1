/** Quotes one word for a POSIX shell (left bare when it holds only safe characters). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell command line. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
