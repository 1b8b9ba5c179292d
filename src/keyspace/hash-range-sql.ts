// SQL that computes a key's point in the hash space on the shard itself, and predicates that hold
// exactly for the keys a set of ranges owns. Shards use them in CHECK constraints (a misrouted row is
// refused by the shard) and in WHERE clauses (a resharding copy, sample data).
import { SwitchyardError } from '../util/errors.js';
import { HASH_END, HASH_MIN, type KeyRange } from './key-range.js';
import type { HasherName, KeyType } from './key-type.js';

/** PARTITION BY HASH's seed (HASH_PARTITION_SEED in PostgreSQL), read as an int8. */
export const PG_HASH_SEED_SQL = '8816678312871386365';

const hashFunctionByType: Record<KeyType, string> = {
  int2: 'hashint2extended',
  int4: 'hashint4extended',
  int8: 'hashint8extended',
  text: 'hashtextextended',
  varchar: 'hashtextextended',
  uuid: 'uuid_hash_extended',
};

/** Quotes an SQL identifier (a column name) the way PostgreSQL's quote_ident does. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/**
 * The SQL expression giving the point of `column` (of type `type`) under the `postgres` hasher,
 * e.g. `hashint8extended(tenant_id, 8816678312871386365)`. Only single-column keys hashed by the
 * `postgres` hasher can be computed in SQL; anything else throws.
 */
export function hashPointSql(
  hasher: HasherName,
  columns: readonly string[],
  types: readonly KeyType[],
): string {
  const [column] = columns;
  const [type] = types;
  if (hasher !== 'postgres' || columns.length !== 1 || types.length !== 1 || !column || !type) {
    throw new SwitchyardError(
      '0A000',
      'only single-column shard keys hashed by the postgres hasher can be checked on the shard; ' +
        'use hasher: postgres and one shard key column',
    );
  }
  const cast = type === 'varchar' ? '::text' : '';
  return `${hashFunctionByType[type]}(${quoteIdent(column)}${cast}, ${PG_HASH_SEED_SQL})`;
}

/**
 * A predicate true exactly for rows whose point lies in one of `ranges`
 * (`point >= start AND point < end`, bounds at the ends of the space left out, ranges OR-ed).
 * Adjacent ranges are joined first so a ring layout gives a short predicate.
 */
export function rangePredicateSql(pointSql: string, ranges: readonly KeyRange[]): string {
  const merged = mergeAdjacent(ranges);
  if (merged.length === 0) return 'false';
  const parts = merged.map((r) => {
    const terms: string[] = [];
    if (r.start > HASH_MIN) terms.push(`${pointSql} >= ${r.start}`);
    if (r.end < HASH_END) terms.push(`${pointSql} < ${r.end}`);
    return terms.length === 0 ? 'true' : terms.join(' AND ');
  });
  return parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(' OR ');
}

function mergeAdjacent(ranges: readonly KeyRange[]): KeyRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: KeyRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.end === r.start) out[out.length - 1] = { start: last.start, end: r.end };
    else out.push(r);
  }
  return out;
}
