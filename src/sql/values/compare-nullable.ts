// ORDER BY with NULLs and direction, as PostgreSQL defaults them: NULLS LAST for ASC, NULLS FIRST
// for DESC (NULL is treated as larger than every value).
import type { PgType, PgValue } from './pg-value.js';

/** One ORDER BY item's direction and NULL placement. */
export interface SortDirection {
  /** DESC. */
  readonly descending?: boolean;
  /** NULLS FIRST / NULLS LAST; when omitted, PostgreSQL's default for the direction. */
  readonly nullsFirst?: boolean;
}

/**
 * Compares two possibly-NULL values for one ORDER BY item.
 *
 * @example
 *   compareNullable(pgType(23), null, 1, { descending: true }); // < 0: NULLS FIRST under DESC
 */
export function compareNullable(type: PgType, a: PgValue, b: PgValue, direction: SortDirection = {}): number {
  const descending = direction.descending ?? false;
  const nullsFirst = direction.nullsFirst ?? descending;
  if (a === null || b === null) {
    if (a === null && b === null) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  const c = type.compare(a, b);
  return descending ? -c : c;
}
