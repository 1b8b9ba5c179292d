// DISTINCT after the merge: the shards each removed their own duplicates, but the same row may
// come from several shards. DISTINCT ON keeps the first row of each key in merged order, which is
// PostgreSQL's rule given the rows arrive sorted by the ORDER BY that leads with those keys.

import type { TextRow } from './merge-plan.js';
import type { MergeValues } from './merge-ports.js';

/** The key of `row` over `columns` (of types `types`): equal exactly when PostgreSQL calls the values equal. */
export function rowKey(
  row: TextRow,
  columns: readonly number[],
  types: readonly number[],
  values: MergeValues,
): string {
  const parts = columns.map((i) => {
    const v = row[i] ?? null;
    return v === null ? null : values.groupKey(types[i] ?? 0, v);
  });
  // JSON keeps tuple boundaries: ("ab","c") and ("a","bc") stay apart, and null differs from "null".
  return JSON.stringify(parts);
}

/** The rows of `source` whose key over `columns` was not seen before (memory: one key per distinct row). */
export async function* distinctRows(
  source: AsyncIterable<TextRow>,
  columns: readonly number[],
  types: readonly number[],
  values: MergeValues,
): AsyncGenerator<TextRow> {
  const seen = new Set<string>();
  for await (const row of source) {
    const key = rowKey(row, columns, types, values);
    if (seen.has(key)) continue;
    seen.add(key);
    yield row;
  }
}
