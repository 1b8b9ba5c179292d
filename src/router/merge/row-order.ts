// Comparing rows by ORDER BY keys, as PostgreSQL sorts: each key ascending or descending, NULLs
// first or last as asked (PostgreSQL's default: last when ascending, first when descending).

import type { ShardColumn, SortKey, TextRow } from './merge-plan.js';
import type { MergeValues } from './merge-ports.js';

/** Compares two rows; negative when `a` sorts first. */
export type RowComparator = (a: TextRow, b: TextRow) => number;

/** The absolute index of `column` in rows of `width` columns. */
export function columnIndex(column: ShardColumn, width: number): number {
  return column.from === 'start' ? column.index : width - 1 - column.index;
}

/**
 * The comparator of `keys` over rows of `width` columns whose types are `types`.
 *
 * @example
 *   const cmp = rowComparator([{ column: { from: 'start', index: 0 }, descending: true, nullsFirst: true }], [23], 1, values);
 *   cmp(['2'], ['10']); // > 0: 10 sorts first when descending
 */
export function rowComparator(
  keys: readonly SortKey[],
  types: readonly number[],
  width: number,
  values: MergeValues,
): RowComparator {
  const resolved = keys.map((key) => {
    const index = columnIndex(key.column, width);
    return { ...key, index, type: types[index] ?? 0 };
  });
  return (a, b) => {
    for (const key of resolved) {
      const x = a[key.index] ?? null;
      const y = b[key.index] ?? null;
      let order: number;
      if (x === null || y === null) {
        if (x === y) continue;
        // NULLS FIRST puts a NULL before any value whichever the direction.
        order = (x === null) === key.nullsFirst ? -1 : 1;
        return order;
      }
      order = values.compare(key.type, x, y, key.collation);
      if (order !== 0) return key.descending ? -order : order;
    }
    return 0;
  };
}
