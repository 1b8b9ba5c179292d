// Small valid catalogs for tests (here and in other folders' tests): N shards splitting the hash
// space evenly, with a sharded, a co-located and a reference table.
import { HASH_END, HASH_MIN, type KeyRange } from '../keyspace/key-range.js';
import type { Catalog, TableRule } from './catalog.js';
import { createCatalog } from './create-catalog.js';
import { colocatedTable, referenceTable, shardedTable } from './table-rules.js';

/** `count` adjacent half-open ranges covering the whole hash space, as equal as integer division allows. */
export function splitKeyspace(count: number): KeyRange[] {
  const width = (HASH_END - HASH_MIN) / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    start: HASH_MIN + width * BigInt(i),
    end: i === count - 1 ? HASH_END : HASH_MIN + width * BigInt(i + 1),
  }));
}

/** Rules for `users` (sharded by id), `orders` (co-located by user_id) and `countries` (reference). */
export function testTables(): Record<string, TableRule> {
  const users = shardedTable('id', { keyTypes: ['int8'] });
  return { users, orders: colocatedTable('user_id', 'users', users), countries: referenceTable() };
}

/**
 * A valid catalog at version 1 with shards `s0…s(count-1)` (ids 0…count-1, one range each, embedded
 * primaries) and `testTables()`.
 */
export function testCatalog(count = 2, tables: Record<string, TableRule> = testTables()): Catalog {
  return createCatalog({
    shards: splitKeyspace(count).map((range, i) => ({
      name: `s${i}`,
      ranges: [range],
      primary: `pglite://data/s${i}`,
    })),
    tables,
    now: new Date('2026-01-01T00:00:00.000Z'),
  });
}
