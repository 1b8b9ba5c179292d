import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog.js';
import { createCatalog } from '../catalog/create-catalog.js';
import { colocatedTable, referenceTable, shardedTable } from '../catalog/table-rules.js';
import { splitKeyspace, testCatalog } from '../catalog/test-catalogs.js';
import { HashRangeResolver } from '../keyspace/hash-range-resolver.js';
import { hasherFor } from '../keyspace/hasher-for.js';
import { ShardMap } from '../keyspace/shard-map.js';
import { loadSqlParser } from '../sql/parse-sql.js';
import { Planner } from './planner.js';
import { spanError } from './refusals.js';
import type { Route, StatementPlan } from './route-plan.js';
import { type BindParam, RouteResolver, resolveRoute } from './route-resolver.js';

const users = shardedTable('id', { keyTypes: ['int8'] });
const tables = {
  users,
  orders: colocatedTable('user_id', 'users', users),
  tags: shardedTable('name', { keyTypes: ['text'], hasher: 'murmur3' }),
  pairs: shardedTable(['a', 'b'], { keyTypes: ['int4', 'uuid'] }),
  ranged: shardedTable('k', {
    keyTypes: ['int8'],
    resolver: {
      type: 'range',
      bounds: [{ upTo: 100, shard: 's2' }, { upTo: 1000, shard: 's0' }, { shard: 's1' }],
    },
  }),
  directory: shardedTable('k', {
    keyTypes: ['int8'],
    resolver: { type: 'lookup', table: 'dir', cacheSize: 10 },
  }),
  untyped: shardedTable('id'),
  countries: referenceTable(),
};
const catalog: Catalog = testCatalog(3, tables);
// The single-shard planner alone: what it refuses is what scatter-gather then considers.
const planner = new Planner(() => catalog, { scatter: false });
const hashUsers = new HashRangeResolver(hasherFor('postgres'), ['int8'], ShardMap.fromShards(catalog.shards));
const nameOf = (id: number) => catalog.shards.find((s) => s.id === id)?.name;

beforeAll(async () => {
  await loadSqlParser();
});

function plan(sql: string): StatementPlan {
  return planner.plan(sql)[0] as StatementPlan;
}

const textParam = (value: string): BindParam => ({ value: new TextEncoder().encode(value), format: 0 });
const int8Param = (value: bigint): BindParam => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, value);
  return { value: bytes, format: 1 };
};

describe('resolveRoute', () => {
  it('places a constant key where the keyspace resolver does', () => {
    const route = plan('SELECT * FROM users WHERE id = 42').route;
    expect(resolveRoute(route, catalog)).toEqual({ type: 'shards', shards: [nameOf(hashUsers.shardOf(42))] });
  });

  it('property: `id = N` goes to the shard the keyspace gives N, as a literal or a text or binary parameter', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const expected = { type: 'shards', shards: [nameOf(hashUsers.shardOf(n.toString()))] };
        expect(resolveRoute(plan(`SELECT * FROM users WHERE id = ${n}`).route, catalog)).toEqual(expected);
        const byParam = plan('SELECT * FROM users WHERE id = $1').route;
        expect(resolveRoute(byParam, catalog, [textParam(n.toString())])).toEqual(expected);
        expect(resolveRoute(byParam, catalog, [int8Param(n)])).toEqual(expected);
      }),
    );
  });

  it('property: a join on the key of co-located tables lands where the key does', () => {
    fc.assert(
      fc.property(fc.integer(), (n) => {
        const route = plan(
          `SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE o.user_id = ${n}`,
        ).route;
        expect(resolveRoute(route, catalog)).toEqual({
          type: 'shards',
          shards: [nameOf(hashUsers.shardOf(n))],
        });
      }),
    );
  });

  it('returns every shard a list of keys touches, in shard order, once each', () => {
    const keys = Array.from({ length: 40 }, (_, i) => i);
    const expected = [...new Set(keys.map((k) => nameOf(hashUsers.shardOf(k))))].sort();
    const route = plan(`SELECT * FROM users WHERE id IN (${keys.join(', ')})`).route;
    expect(resolveRoute(route, catalog)).toEqual({ type: 'shards', shards: expected });
    expect(expected.length).toBeGreaterThan(1);
  });

  it('resolves multi-column keys, text keys by their own hasher, and range resolvers', () => {
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const pairs = new HashRangeResolver(
      hasherFor('postgres'),
      ['int4', 'uuid'],
      ShardMap.fromShards(catalog.shards),
    );
    expect(resolveRoute(plan(`SELECT * FROM pairs WHERE a = 7 AND b = '${uuid}'`).route, catalog)).toEqual({
      type: 'shards',
      shards: [nameOf(pairs.shardOfKey([7, uuid]))],
    });
    const tags = new HashRangeResolver(hasherFor('murmur3'), ['text'], ShardMap.fromShards(catalog.shards));
    expect(
      resolveRoute(plan('SELECT * FROM tags WHERE name = $1').route, catalog, [textParam('blue')]),
    ).toEqual({
      type: 'shards',
      shards: [nameOf(tags.shardOf('blue'))],
    });
    const at = (k: number) => resolveRoute(plan(`SELECT * FROM ranged WHERE k = ${k}`).route, catalog);
    expect([at(5), at(100), at(999), at(1000)]).toEqual([
      { type: 'shards', shards: ['s2'] },
      { type: 'shards', shards: ['s0'] },
      { type: 'shards', shards: ['s0'] },
      { type: 'shards', shards: ['s1'] },
    ]);
  });

  it('resolves the other route types', () => {
    expect(resolveRoute({ type: 'any' }, catalog)).toEqual({ type: 'any' });
    expect(resolveRoute({ type: 'shard', shard: 's1' }, catalog)).toEqual({ type: 'shards', shards: ['s1'] });
    expect(resolveRoute({ type: 'all' }, catalog)).toEqual({ type: 'shards', shards: ['s0', 's1', 's2'] });
    expect(() => resolveRoute({ type: 'transaction', action: { type: 'begin' } }, catalog)).toThrow(
      TypeError,
    );
  });

  it('runs `all` routes on every shard but retired ones', () => {
    const ranges = splitKeyspace(2);
    const withRetired = createCatalog({
      shards: [
        { name: 'a', ranges: [ranges[0] ?? { start: 0n, end: 0n }], primary: 'pglite://a' },
        {
          name: 'b',
          ranges: [ranges[1] ?? { start: 0n, end: 0n }],
          primary: 'pglite://b',
          status: 'readonly',
        },
        { name: 'c', ranges: [], primary: 'pglite://c', status: 'inactive' },
      ],
    });
    expect(new RouteResolver(withRetired).resolve({ type: 'all' })).toEqual({
      type: 'shards',
      shards: ['a', 'b'],
    });
  });

  it('throws the refusal of a refused route, with its hint', () => {
    const route = plan('SELECT * FROM users').route;
    expect(() => resolveRoute(route, catalog)).toThrow(
      expect.objectContaining({ code: '0A000', hint: 'add the shard key (id = …) to WHERE' }),
    );
  });

  it.each<[string, BindParam[], string, RegExp]>([
    [
      'SELECT * FROM users WHERE id = $1',
      [{ value: null, format: 0 }],
      '23502',
      /the shard key is NULL: rows with a NULL shard key cannot be placed/,
    ],
    ['INSERT INTO users (id) VALUES ($1)', [{ value: null, format: 1 }], '23502', /NULL/],
    [
      'SELECT * FROM users WHERE id = $2',
      [textParam('1')],
      '08P01',
      /uses parameter \$2 as its shard key, but the Bind message supplies 1 parameters/,
    ],
    ['SELECT * FROM users WHERE id = $1', [textParam('forty-two')], '22P02', /shard key of type int8/],
    ['SELECT * FROM users WHERE id = $1', [textParam('99999999999999999999')], '22003', /out of range/],
    ['SELECT * FROM users WHERE id = $1', [{ value: Uint8Array.of(1, 2, 3), format: 1 }], '22P02', /3 bytes/],
    ["SELECT * FROM users WHERE id = 'x'", [], '22P02', /int8/],
    ['SELECT * FROM directory WHERE k = 1', [], '0A000', /placed by a lookup table/],
    ['SELECT * FROM untyped WHERE id = 1', [], '55000', /the shard key type of "untyped" is not known yet/],
  ])('%s with bad parameters: %s', (sql, params, code, message) => {
    let error: unknown;
    try {
      resolveRoute(plan(sql).route, catalog, params);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('forty-two');
    expect((error as Error).message).not.toContain('99999999999999999999');
  });

  it('keeps one resolver per catalog object', () => {
    const route: Route = plan('SELECT * FROM users WHERE id = 1').route;
    expect(resolveRoute(route, catalog)).toEqual(resolveRoute(route, catalog));
    const other = testCatalog(2, { users });
    expect(resolveRoute({ type: 'all' }, other)).toEqual({ type: 'shards', shards: ['s0', 's1'] });
  });
});

describe('spanError', () => {
  it('names the shards a read or a write would span', () => {
    expect(spanError({ kind: 'select', writes: false }, ['s0', 's2'])).toMatchObject({
      code: '0A000',
      message: 'this SELECT spans shards s0, s2 (cross-shard reads are not supported yet)',
    });
    expect(spanError({ kind: 'insert', writes: true }, ['s0', 's2'])).toMatchObject({
      code: '0A000',
      message: 'a write that spans shards s0, s2 is not supported until distributed transactions land',
    });
  });
});
