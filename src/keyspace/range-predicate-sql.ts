// Predicates that hold exactly for the keys a set of ranges owns, given the SQL expression of a key's
// point (postgres-point-sql.ts). Shards use them in CHECK constraints (a misrouted row is refused by
// the shard itself) and in WHERE clauses (resharding copies, the sample data).
import { HASH_END, HASH_MIN, type KeyRange } from './key-range.js';

/**
 * A predicate true exactly for rows whose point lies in one of `ranges`: `point >= start AND
 * point < end`, leaving out bounds at the ends of the space, ranges OR-ed. Adjacent ranges are joined
 * first, so a shard with many vnodes still gets a predicate no longer than it needs.
 *
 * @example
 *   rangePredicateSql('hashint8extended(id, 8816678312871386365)', [{ start: 0n, end: HASH_END }]);
 *   // 'hashint8extended(id, 8816678312871386365) >= 0'
 */
export function rangePredicateSql(pointSql: string, ranges: readonly KeyRange[]): string {
  const parts = joinAdjacent(ranges).map((r) => {
    const terms: string[] = [];
    if (r.start > HASH_MIN) terms.push(`${pointSql} >= ${r.start}`);
    if (r.end < HASH_END) terms.push(`${pointSql} < ${r.end}`);
    return terms.length === 0 ? 'true' : terms.join(' AND ');
  });
  if (parts.length === 0) return 'false';
  return parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(' OR ');
}

function joinAdjacent(ranges: readonly KeyRange[]): KeyRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: KeyRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.end === r.start) out[out.length - 1] = { start: last.start, end: r.end };
    else out.push(r);
  }
  return out;
}
