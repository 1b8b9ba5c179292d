// The CommandComplete tag ("INSERT 0 5", "SELECT 3", "CREATE TABLE") split into the command and
// the row count, the same way for both backends.

/** A command tag split into its verb and the row count it carries, if any. */
export interface CommandTag {
  /** The tag without its numbers: `INSERT`, `SELECT`, `CREATE TABLE`, … */
  readonly command: string;
  /** The last number of the tag (rows affected or returned), or null when the tag has none. */
  readonly rowCount: number | null;
}

/**
 * Splits a CommandComplete tag. Trailing numbers are counts (INSERT also carries a legacy OID of 0
 * before its count), everything before them is the command.
 *
 * @example parseCommandTag('INSERT 0 5') // { command: 'INSERT', rowCount: 5 }
 */
export function parseCommandTag(tag: string): CommandTag {
  const words = tag.trim().split(/\s+/);
  let rowCount: number | null = null;
  while (words.length > 1 && /^\d+$/.test(words[words.length - 1] ?? '')) {
    const count = Number(words.pop());
    rowCount ??= count;
  }
  return { command: words.join(' '), rowCount };
}
