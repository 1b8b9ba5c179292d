import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HASH_END, HASH_MIN, type KeyRange } from '../keyspace/key-range.js';
import type { Catalog, ShardedTableRule, ShardInfo, TableRule } from './catalog.js';
import { CatalogError } from './catalog-error.js';
import { shardedTable } from './table-rules.js';
import { splitKeyspace, testCatalog, testTables } from './test-catalogs.js';
import { catalogProblems, validateCatalog } from './validate-catalog.js';

const base = testCatalog(2); // s0 = [HASH_MIN, 0), s1 = [0, HASH_END)

function withShards(...shards: Partial<ShardInfo>[]): Catalog {
  return { ...base, shards: shards.map((change, i) => ({ ...base.shards[i % 2]!, ...change })) };
}

function withTables(tables: Record<string, TableRule>): Catalog {
  return { ...base, tables };
}

const users = testTables().users as ShardedTableRule;

describe('catalogProblems: keyspace', () => {
  it('accepts catalogs whose shards tile the keyspace', () => {
    for (const n of [1, 2, 3, 8]) expect(catalogProblems(testCatalog(n))).toEqual([]);
  });

  it('names a gap between two shards by its bounds and neighbours', () => {
    const problems = catalogProblems(withShards({ ranges: [{ start: HASH_MIN, end: -10n }] }, {}));
    expect(problems).toEqual([
      'keyspace: [-10, 0) is owned by no shard (after s0 (shards[0].ranges[0] = [-9223372036854775808, -10)), ' +
        'before s1 (shards[1].ranges[0] = [0, 9223372036854775808))); every point of the hash space must belong to exactly one shard',
    ]);
  });

  it('names gaps at the start and the end of the keyspace', () => {
    const problems = catalogProblems(
      withShards(
        { ranges: [{ start: HASH_MIN + 1n, end: 0n }] },
        { ranges: [{ start: 0n, end: HASH_END - 1n }] },
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^keyspace: \[-9223372036854775808, -9223372036854775807\) is owned by no shard \(before s0/,
    );
    expect(problems[1]).toMatch(
      /^keyspace: \[9223372036854775807, 9223372036854775808\) is owned by no shard \(after s1/,
    );
  });

  it('names both shards and the overlapping bounds', () => {
    const problems = catalogProblems(withShards({ ranges: [{ start: HASH_MIN, end: 100n }] }, {}));
    expect(problems).toEqual([
      'keyspace: [0, 100) is owned by both s0 (shards[0].ranges[0] = [-9223372036854775808, 100)) and ' +
        's1 (shards[1].ranges[0] = [0, 9223372036854775808)); every point of the hash space must belong to exactly one shard',
    ]);
  });

  it('names overlapping ranges of one shard', () => {
    const problems = catalogProblems(
      withShards(
        {
          ranges: [
            { start: HASH_MIN, end: -5n },
            { start: -10n, end: 0n },
          ],
        },
        {},
      ),
    );
    expect(problems).toEqual([
      "shards[0].ranges: ranges 0 [-9223372036854775808, -5) and 1 [-10, 0) of shard s0 overlap on [-10, -5); a shard's ranges must not overlap",
    ]);
  });

  it('says when no shard owns anything, and when there are no shards', () => {
    expect(catalogProblems(withShards({ ranges: [] }, { ranges: [] }))).toEqual([
      "keyspace: no shard owns any range; the shards' ranges must cover [-9223372036854775808, 9223372036854775808)",
    ]);
    expect(catalogProblems({ ...base, shards: [] })).toEqual([
      'shards: the catalog has no shards; expected at least one',
      'homeShard: unknown shard "s0"; expected the name of a shard (none defined)',
    ]);
  });

  it('rejects ranges outside the hash space, empty or reversed, or not bigint', () => {
    const bad: KeyRange[] = [
      { start: HASH_MIN - 1n, end: 0n },
      { start: 5n, end: 5n },
      { start: 0n, end: HASH_END + 1n },
      { start: 0 as unknown as bigint, end: 1n },
    ];
    for (const range of bad) {
      const problems = catalogProblems(withShards({ ranges: [range] }, {}));
      expect(problems[0]).toMatch(
        /^shards\[0\]\.ranges\[0\]: \[.*\) is not a range of the hash space; expected bigint bounds with -2\^63 <= start < end <= 2\^63$/,
      );
    }
  });

  it('reports exactly the missing range when any one range of a valid layout is removed', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: HASH_MIN + 1n, max: HASH_END - 1n }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.nat(),
        (cuts, pick) => {
          const points = [HASH_MIN, ...cuts.sort((a, b) => (a < b ? -1 : 1)), HASH_END];
          const ranges = points.slice(1).map((end, i) => ({ start: points[i]!, end }));
          const shards = ranges.map((range, i) => ({
            ...base.shards[0]!,
            id: i,
            name: `s${i}`,
            ranges: [range],
          }));
          const catalog: Catalog = { ...base, shards, tables: {} };
          expect(catalogProblems(catalog)).toEqual([]);
          const removed = pick % shards.length;
          const holed = {
            ...catalog,
            shards: shards.map((s, i) => (i === removed ? { ...s, ranges: [] } : s)),
          };
          const problems = catalogProblems(holed);
          expect(problems).toHaveLength(1);
          expect(problems[0]).toContain(
            `keyspace: [${ranges[removed]!.start}, ${ranges[removed]!.end}) is owned by no shard`,
          );
        },
      ),
    );
  });
});

describe('catalogProblems: shards and catalog fields', () => {
  it('rejects duplicate shard ids and names', () => {
    expect(catalogProblems(withShards({}, { id: 0 }))).toContain(
      'shards[1].id: 0 is already the id of shards[0]; shard ids must be unique',
    );
    expect(catalogProblems(withShards({}, { name: 's0' }))).toContain(
      'shards[1].name: "s0" is already the name of shards[0]; shard names must be unique',
    );
  });

  it('rejects bad ids, names, primaries, replicas and statuses', () => {
    const problems = catalogProblems(
      withShards(
        { id: -1, name: 'has space', primary: '' },
        { replicas: ['postgres://r1', 'postgres://r1', base.shards[1]!.primary], status: 'paused' as never },
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'shards[0].id: -1 is not a shard id; expected an integer >= 0',
        'shards[0].name: "has space" is not a shard name; expected letters, digits, "_", "-" or "."',
        "shards[0].primary: expected the primary's connection string (postgres://… or pglite://…)",
        'shards[1].replicas[1]: replica listed twice; list each replica once',
        'shards[1].replicas[2]: the primary cannot also be a replica of its shard',
        'shards[1].status: "paused" is not a shard status; expected one of active, migrating, readonly, inactive',
      ]),
    );
  });

  it('rejects negative or fractional versions of the catalog and of a shard', () => {
    expect(catalogProblems({ ...base, version: -1 })).toEqual([
      'version: -1 is not a version; expected an integer >= 0',
    ]);
    expect(catalogProblems({ ...base, version: 1.5 })).toEqual([
      'version: 1.5 is not a version; expected an integer >= 0',
    ]);
    expect(catalogProblems(withShards({ version: -3 }, {}))).toEqual([
      'shards[0].version: -3 is not a version; expected an integer >= 0',
    ]);
  });

  it('rejects an updatedAt that is not a time', () => {
    expect(catalogProblems({ ...base, updatedAt: 'yesterday' })).toEqual([
      'updatedAt: "yesterday" is not a time; expected an ISO 8601 timestamp',
    ]);
  });

  it('rejects an unknown home shard', () => {
    expect(catalogProblems({ ...base, homeShard: 's9' })).toEqual([
      'homeShard: unknown shard "s9"; expected the name of a shard (s0, s1)',
    ]);
  });
});

describe('catalogProblems: tables', () => {
  it('rejects a sharded table without a shard key, or with a column named twice', () => {
    expect(catalogProblems(withTables({ t: { ...users, shardKey: [], keyTypes: [] } }))).toEqual([
      'tables.t.shardKey: a sharded table needs a shard key; name at least one column',
    ]);
    expect(catalogProblems(withTables({ t: shardedTable(['a', 'a']) }))).toEqual([
      'tables.t.shardKey[1]: column "a" appears twice; name each key column once',
    ]);
  });

  it('rejects key types that do not match the key columns', () => {
    expect(catalogProblems(withTables({ t: shardedTable(['a', 'b'], { keyTypes: ['int8'] }) }))).toEqual([
      'tables.t.keyTypes: 1 type(s) for 2 shard key column(s); expected one type per key column',
    ]);
    expect(catalogProblems(withTables({ t: shardedTable('a', { keyTypes: ['float8' as never] }) }))).toEqual([
      'tables.t.keyTypes[0]: "float8" cannot be a shard key type; expected one of int2, int4, int8, text, varchar, uuid',
    ]);
  });

  it('rejects an unknown hasher', () => {
    expect(catalogProblems(withTables({ 'app.t': shardedTable('a', { hasher: 'md5' as never }) }))).toEqual([
      'tables["app.t"].hasher: "md5" is not a hasher; expected one of postgres, murmur3, murmur2',
    ]);
  });

  it('rejects range resolver bounds naming unknown shards, out of order, or missing upTo', () => {
    const rule = shardedTable('id', {
      keyTypes: ['int4'],
      resolver: {
        type: 'range',
        bounds: [
          { upTo: 100, shard: 's0' },
          { shard: 's1' },
          { upTo: 50, shard: 's9' },
          { upTo: 'abc', shard: 's1' },
        ],
      },
    });
    expect(catalogProblems(withTables({ t: rule }))).toEqual([
      'tables.t.resolver.bounds[1].upTo: only the last bound may omit upTo; give this bound an upper key',
      'tables.t.resolver.bounds[2].shard: unknown shard "s9"; expected one of s0, s1',
      'tables.t.resolver.bounds[3].upTo: abc is not an integer; the shard key is an integer column',
    ]);
    const descending = shardedTable('id', {
      resolver: {
        type: 'range',
        bounds: [{ upTo: 100n, shard: 's0' }, { upTo: '50', shard: 's1' }, { shard: 's1' }],
      },
      keyTypes: ['int8'],
    });
    expect(catalogProblems(withTables({ t: descending }))).toEqual([
      'tables.t.resolver.bounds[1].upTo: 50 does not follow 100; bounds must be in strictly ascending key order',
    ]);
    const text = shardedTable('code', {
      resolver: {
        type: 'range',
        bounds: [
          { upTo: 'm', shard: 's0' },
          { upTo: 'M', shard: 's1' },
        ],
      },
    });
    expect(catalogProblems(withTables({ t: text }))).toEqual([
      'tables.t.resolver.bounds[1].upTo: M does not follow m; bounds must be in strictly ascending key order',
    ]);
  });

  it('rejects a range or lookup resolver on a multi-column key, and a bad lookup cache size', () => {
    const lookup = shardedTable(['a', 'b'], { resolver: { type: 'lookup', table: 'dir', cacheSize: 0 } });
    expect(catalogProblems(withTables({ t: lookup }))).toEqual([
      'tables.t.resolver: a lookup resolver maps one key value to a shard; use a single-column shard key',
      'tables.t.resolver.cacheSize: 0 is not a positive integer; expected the number of keys to cache',
    ]);
  });

  it('rejects colocateWith naming an unknown table, a reference table or itself', () => {
    const tables = testTables();
    expect(catalogProblems(withTables({ ...tables, orders: { ...users, colocateWith: 'people' } }))).toEqual([
      'tables.orders.colocateWith: unknown table "people"; expected the name of a sharded table in this catalog',
    ]);
    expect(
      catalogProblems(withTables({ ...tables, orders: { ...users, colocateWith: 'countries' } })),
    ).toEqual([
      'tables.orders.colocateWith: "countries" is a reference table; a table can only be co-located with a sharded table',
    ]);
    expect(catalogProblems(withTables({ users: { ...users, colocateWith: 'users' } }))).toEqual([
      'tables.users.colocateWith: a table cannot be co-located with itself; name another sharded table or remove colocateWith',
    ]);
  });

  it('rejects a co-location cycle, once', () => {
    const problems = catalogProblems(
      withTables({
        a: { ...users, colocateWith: 'b' },
        b: { ...users, colocateWith: 'c' },
        c: { ...users, colocateWith: 'a' },
      }),
    );
    expect(problems).toEqual([
      'tables.a.colocateWith: co-location cycle a → b → c → a; one table of the group must be placed by its own key (no colocateWith)',
    ]);
  });

  it('rejects a co-located table whose key type, key width, hasher or resolver differs from its partner', () => {
    const partner = 'a co-located table must be placed like "users", the table it is co-located with';
    const orders = (change: Partial<ShardedTableRule>): Catalog =>
      withTables({ users, orders: { ...users, colocateWith: 'users', ...change } });
    expect(catalogProblems(orders({ keyTypes: ['text'] }))).toEqual([
      `tables.orders.keyTypes: (text) differs from "users"'s (int8); ${partner}`,
    ]);
    expect(catalogProblems(orders({ shardKey: ['a', 'b'], keyTypes: undefined }))).toEqual([
      `tables.orders.shardKey: 2 key column(s) but "users" has 1; ${partner}`,
    ]);
    expect(catalogProblems(orders({ hasher: 'murmur3' }))).toEqual([
      `tables.orders.hasher: murmur3 differs from "users"'s postgres; ${partner}`,
    ]);
    expect(catalogProblems(orders({ resolver: { type: 'range', bounds: [{ shard: 's0' }] } }))).toEqual([
      `tables.orders.resolver: range resolver (1 bounds) differs from "users"'s hash resolver; ${partner}`,
    ]);
  });

  it('rejects a padded or empty table name and an unknown table kind', () => {
    expect(catalogProblems(withTables({ ' t': { kind: 'reference' } }))).toEqual([
      'tables[" t"]: table name " t" is empty or padded; expected a table name',
    ]);
    expect(catalogProblems(withTables({ t: { kind: 'copied' } as never }))).toEqual([
      'tables.t.kind: "copied" is not a table kind; expected "sharded" or "reference"',
    ]);
  });
});

describe('validateCatalog', () => {
  it('returns a valid catalog and throws a CatalogError listing every problem otherwise', () => {
    expect(validateCatalog(base)).toBe(base);
    const broken = { ...base, version: -1, homeShard: 'nope' };
    const error = (() => {
      try {
        validateCatalog(broken);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CatalogError);
    expect(error).toMatchObject({ code: 'CATALOG_INVALID', problems: expect.any(Array) });
    expect((error as CatalogError).problems).toHaveLength(2);
    expect((error as Error).message).toBe(
      'catalog version -1 is invalid:\n  - version: -1 is not a version; expected an integer >= 0\n' +
        '  - homeShard: unknown shard "nope"; expected the name of a shard (s0, s1)',
    );
  });

  it('spells out at most 20 problems in the message but keeps all of them', () => {
    const shards = splitKeyspace(30).map((range, i) => ({
      ...base.shards[0]!,
      id: 0,
      name: `s${i}`,
      ranges: [range],
    }));
    const error = (() => {
      try {
        validateCatalog({ ...base, shards });
      } catch (e) {
        return e as CatalogError;
      }
    })();
    expect(error?.problems).toHaveLength(29);
    expect(error?.message).toMatch(/\n {2}- … and 9 more$/);
  });
});
