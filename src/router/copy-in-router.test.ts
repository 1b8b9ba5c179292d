import { beforeAll, describe, expect, it } from 'vitest';
import { shardedTable } from '../catalog/table-rules.js';
import { testCatalog } from '../catalog/test-catalogs.js';
import { HashRangeResolver } from '../keyspace/hash-range-resolver.js';
import { hasherFor } from '../keyspace/hasher-for.js';
import { ShardMap } from '../keyspace/shard-map.js';
import { loadSqlParser } from '../sql/parse-sql.js';
import { CopyInRouter, copyKeyPositions, type RoutedCopyPiece } from './copy-in-router.js';
import type { CopyPlan } from './copy-plan.js';
import { Planner } from './planner.js';
import { routeResolverFor } from './route-resolver.js';

const catalog = testCatalog(3, {
  accounts: shardedTable('aid', { keyTypes: ['int4'] }),
  pairs: shardedTable(['a', 'b'], { keyTypes: ['int8', 'text'] }),
});
// The single-shard planner alone: what it refuses is what scatter-gather then considers.
const planner = new Planner(() => catalog, { scatter: false });
const hash = new HashRangeResolver(hasherFor('postgres'), ['int4'], ShardMap.fromShards(catalog.shards));
const shardOf = (aid: number) => catalog.shards.find((s) => s.id === hash.shardOf(aid))?.name;
const bytes = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

beforeAll(async () => {
  await loadSqlParser();
});

function copyPlan(sql: string): CopyPlan {
  const copy = planner.plan(sql)[0]?.copy;
  if (!copy) throw new Error(`no COPY plan for ${sql}`);
  return copy;
}

const summary = (pieces: RoutedCopyPiece[]) =>
  pieces.map((p) => (p.type === 'row' ? [p.shard, str(p.bytes)] : [p.type, str(p.bytes)]));

describe('CopyInRouter', () => {
  it('sends each row to the shard of its key, as the keyspace places the key', () => {
    const router = new CopyInRouter(
      copyPlan('COPY accounts (bid, aid) FROM STDIN'),
      routeResolverFor(catalog),
    );
    const rows = Array.from({ length: 30 }, (_, i) => `7\t${i}\n`);
    const data = bytes(rows.join(''));
    const pieces = [
      ...router.push(data.subarray(0, 17)),
      ...router.push(data.subarray(17)),
      ...router.finish(),
    ];
    expect(summary(pieces)).toEqual(rows.map((row, i) => [shardOf(i), row]));
    expect(new Set(pieces.map((p) => p.type === 'row' && p.shard)).size).toBe(3);
  });

  it('finds the key by the table column order when the COPY lists no columns', () => {
    const copy = copyPlan('COPY accounts FROM STDIN WITH (FORMAT csv, HEADER)');
    expect(() => new CopyInRouter(copy, routeResolverFor(catalog))).toThrow(/pass the table columns/);
    const router = new CopyInRouter(copy, routeResolverFor(catalog), ['bid', 'aid', 'abalance']);
    expect(summary([...router.push(bytes('bid,aid,abalance\n1,42,0\n')), ...router.finish()])).toEqual([
      ['prologue', 'bid,aid,abalance\n'],
      [shardOf(42), '1,42,0\n'],
    ]);
    expect(copyKeyPositions(['x', 'b', 'a'], ['a', 'b'])).toEqual([2, 1]);
    expect(() => copyKeyPositions(['x'], ['a'])).toThrow(expect.objectContaining({ code: '42703' }));
  });

  it('routes multi-column keys and binary rows', () => {
    const pairs = new HashRangeResolver(
      hasherFor('postgres'),
      ['int8', 'text'],
      ShardMap.fromShards(catalog.shards),
    );
    const expected = catalog.shards.find((s) => s.id === pairs.shardOfKey([5, 'x']))?.name;
    const router = new CopyInRouter(
      copyPlan('COPY pairs (b, a) FROM STDIN (FORMAT binary)'),
      routeResolverFor(catalog),
    );
    const header = Uint8Array.from([...bytes('PGCOPY\n'), 0xff, 0x0d, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const row = Uint8Array.from([0, 2, 0, 0, 0, 1, 0x78, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 5]);
    const pieces = router.push(Uint8Array.from([...header, ...row, 0xff, 0xff]));
    expect(pieces.map((p) => (p.type === 'row' ? p.shard : p.type))).toEqual([
      'prologue',
      expected,
      'epilogue',
    ]);
  });

  it('refuses a row whose key is NULL or not a value of the key type', () => {
    const router = () =>
      new CopyInRouter(copyPlan('COPY accounts (aid) FROM STDIN'), routeResolverFor(catalog));
    expect(() => router().push(bytes('\\N\n'))).toThrow(
      expect.objectContaining({
        code: '23502',
        message: expect.stringMatching(/a COPY row has a NULL shard key \("aid"\)/),
      }),
    );
    expect(() => router().push(bytes('abc\n'))).toThrow(expect.objectContaining({ code: '22P02' }));
    expect(() => router().push(bytes('99999999999\n'))).toThrow(expect.objectContaining({ code: '22003' }));
  });
});
