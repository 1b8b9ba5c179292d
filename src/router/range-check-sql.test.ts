import { describe, expect, it } from 'vitest';
import { shardedTable } from '../catalog/table-rules.js';
import { HASH_END, HASH_MIN } from '../keyspace/key-range.js';
import { HASH_COMBINE64_FUNCTION_SQL } from '../keyspace/postgres-point-sql.js';
import {
  keyTypeFromFormatType,
  rangeCheckConstraintName,
  rangeCheckConstraintSql,
  rangeCheckSetupSql,
} from './range-check-sql.js';

describe('keyTypeFromFormatType', () => {
  it.each([
    ['smallint', 'int2'],
    ['integer', 'int4'],
    ['bigint', 'int8'],
    ['text', 'text'],
    ['character varying', 'varchar'],
    ['character varying(20)', 'varchar'],
    ['uuid', 'uuid'],
  ])('%s → %s', (name, type) => {
    expect(keyTypeFromFormatType(name)).toBe(type);
  });

  it.each(['numeric', 'timestamp without time zone', 'integer[]', 'character(3)', 'bytea'])(
    'refuses %s',
    (name) => {
      expect(() => keyTypeFromFormatType(name, 'id')).toThrow(
        expect.objectContaining({
          code: '0A000',
          message: `shard key column "id" has type ${name}, which cannot be a shard key`,
        }),
      );
    },
  );
});

describe('rangeCheckConstraintSql', () => {
  const users = shardedTable('id');

  it("adds a CHECK that the row's point lies in the shard's ranges", () => {
    expect(rangeCheckConstraintSql('users', users, ['int8'], [{ start: HASH_MIN, end: 0n }])).toBe(
      'ALTER TABLE users ADD CONSTRAINT users_switchyard_range CHECK (hashint8extended(id, 8816678312871386365) < 0)',
    );
    expect(rangeCheckConstraintSql('users', users, ['int8'], [{ start: HASH_MIN, end: HASH_END }])).toMatch(
      /CHECK \(true\)$/,
    );
  });

  it('quotes names and joins several ranges', () => {
    const sql = rangeCheckConstraintSql(
      'app.Users',
      shardedTable('Key'),
      ['text'],
      [
        { start: -100n, end: 0n },
        { start: 50n, end: 60n },
      ],
    );
    expect(sql).toBe(
      'ALTER TABLE app."Users" ADD CONSTRAINT "Users_switchyard_range" CHECK ' +
        '((hashtextextended("Key", 8816678312871386365) >= -100 AND hashtextextended("Key", 8816678312871386365) < 0) OR ' +
        '(hashtextextended("Key", 8816678312871386365) >= 50 AND hashtextextended("Key", 8816678312871386365) < 60))',
    );
    expect(rangeCheckConstraintName('app.Users')).toBe('Users_switchyard_range');
  });

  it('combines multi-column keys with the function the shard must create first', () => {
    const pairs = shardedTable(['a', 'b']);
    expect(
      rangeCheckConstraintSql('pairs', pairs, ['int4', 'uuid'], [{ start: 0n, end: HASH_END }]),
    ).toContain(
      'switchyard_hash_combine64(switchyard_hash_combine64(0::int8, hashint4extended(a, 8816678312871386365)), uuid_hash_extended(b, 8816678312871386365)) >= 0',
    );
    expect(rangeCheckSetupSql(pairs)).toBe(HASH_COMBINE64_FUNCTION_SQL);
    expect(rangeCheckSetupSql(users)).toBeUndefined();
  });

  it('refuses tables a shard cannot check', () => {
    expect(() =>
      rangeCheckConstraintSql('t', shardedTable('id', { hasher: 'murmur3' }), ['int8'], []),
    ).toThrow(expect.objectContaining({ code: '0A000' }));
    expect(() => rangeCheckConstraintSql('t', users, ['int8', 'int8'], [])).toThrow(
      /1 shard key columns but 2 key types/,
    );
  });
});
