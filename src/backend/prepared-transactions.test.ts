import { describe, expect, it } from 'vitest';
import {
  commitPreparedSql,
  isValidGid,
  prepareTransactionSql,
  toPreparedTransactions,
} from './prepared-transactions.js';
import { ShardError } from './shard-error.js';

describe('prepared transaction SQL', () => {
  it('accepts gids made of letters, digits and _ . : -', () => {
    expect(isValidGid('sy:txn-0001.s1_a')).toBe(true);
    expect(isValidGid('x'.repeat(199))).toBe(true);
  });

  it.each(["a'b", 'a b', '', 'x'.repeat(200), 'naïve', 'a\\b', 'a;b'])('rejects %j', (gid) => {
    expect(isValidGid(gid)).toBe(false);
    expect(() => commitPreparedSql('s1', gid)).toThrow(ShardError);
  });

  it('quotes the gid as a literal', () => {
    expect(prepareTransactionSql('s1', 'g-1')).toBe("PREPARE TRANSACTION 'g-1'");
  });

  it('names the shard and the rule when a gid is refused', () => {
    try {
      commitPreparedSql('s7', "bad'gid");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: '22023', shard: 's7' });
      expect((error as Error).message).toMatch(
        /^shard "s7": invalid prepared transaction id "bad'gid": use 1 to 199/,
      );
    }
  });

  it('reads pg_prepared_xacts rows', () => {
    expect(toPreparedTransactions([['g1', '1700000000123', 'app']])).toEqual([
      { gid: 'g1', preparedAt: new Date(1700000000123), database: 'app' },
    ]);
  });
});
