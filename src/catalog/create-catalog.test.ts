import { describe, expect, it } from 'vitest';
import { HASH_END, HASH_MIN } from '../keyspace/key-range.js';
import { createCatalog } from './create-catalog.js';
import { colocatedTable, referenceTable, shardedTable } from './table-rules.js';
import { catalogProblems } from './validate-catalog.js';

describe('createCatalog', () => {
  it('builds a frozen, valid catalog at version 1 with defaults filled in', () => {
    const users = shardedTable('id', { keyTypes: ['int8'], hasher: 'murmur3' });
    const catalog = createCatalog({
      shards: [
        { name: 'a', ranges: [{ start: HASH_MIN, end: 0n }], primary: 'pglite://data/a' },
        {
          name: 'b',
          ranges: [{ start: 0n, end: HASH_END }],
          primary: 'postgres://b/db',
          replicas: ['postgres://b2/db'],
        },
      ],
      tables: { users, orders: colocatedTable('user_id', 'users', users), countries: referenceTable() },
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(catalog).toEqual({
      version: 1,
      shards: [
        {
          id: 0,
          name: 'a',
          ranges: [{ start: HASH_MIN, end: 0n }],
          primary: 'pglite://data/a',
          replicas: [],
          status: 'active',
          version: 1,
        },
        {
          id: 1,
          name: 'b',
          ranges: [{ start: 0n, end: HASH_END }],
          primary: 'postgres://b/db',
          replicas: ['postgres://b2/db'],
          status: 'active',
          version: 1,
        },
      ],
      tables: {
        users: {
          kind: 'sharded',
          shardKey: ['id'],
          keyTypes: ['int8'],
          hasher: 'murmur3',
          resolver: { type: 'hash' },
        },
        orders: {
          kind: 'sharded',
          shardKey: ['user_id'],
          keyTypes: ['int8'],
          hasher: 'murmur3',
          resolver: { type: 'hash' },
          colocateWith: 'users',
        },
        countries: { kind: 'reference' },
      },
      homeShard: 'a',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(Object.isFrozen(catalog.shards[1]?.replicas)).toBe(true);
    expect(catalogProblems(catalog)).toEqual([]);
  });

  it('throws a CatalogError naming every problem', () => {
    expect(() =>
      createCatalog({
        shards: [{ name: 'a', ranges: [{ start: HASH_MIN, end: 0n }], primary: 'pglite://a' }],
        homeShard: 'z',
      }),
    ).toThrow(
      /^new catalog is invalid:\n {2}- keyspace: \[0, 9223372036854775808\) is owned by no shard .*\n {2}- homeShard: unknown shard "z"/,
    );
  });
});
