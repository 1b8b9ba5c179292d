// The SQL a shard runs to compute a row's point, equal to PostgresHasher's: for CHECK constraints that
// reject misrouted rows and for resharding copies that select one range (`WHERE point >= $1 AND
// point < $2`). Checked against both PostgreSQL servers in postgres-hasher.test.ts.
import { SwitchyardError } from '../util/errors.js';
import { HASH_PARTITION_SEED } from './jenkins-hash.js';
import type { KeyType } from './key-type.js';

const SEED = BigInt.asIntN(64, HASH_PARTITION_SEED).toString();

const HASH_FUNCTION: Readonly<Record<KeyType, string>> = {
  int2: 'hashint2extended',
  int4: 'hashint4extended',
  int8: 'hashint8extended',
  text: 'hashtextextended',
  varchar: 'hashtextextended',
  uuid: 'uuid_hash_extended',
};

/** The name of the SQL function created by HASH_COMBINE64_FUNCTION_SQL. */
export const HASH_COMBINE64_FUNCTION = 'switchyard_hash_combine64';

/**
 * DDL for `switchyard_hash_combine64(a int8, b int8) returns int8`, PostgreSQL's C hash_combine64
 * (`a ^ (b + 0x49a0f4dd15e5a8e3 + (a << 54) + (a >> 7))`, unsigned 64-bit) in SQL, where int8
 * addition would raise an overflow error: the sum is taken in numeric and wrapped modulo 2^64. A
 * shard needs it only for multi-column shard keys.
 */
export const HASH_COMBINE64_FUNCTION_SQL = `create or replace function ${HASH_COMBINE64_FUNCTION}(a int8, b int8) returns int8
language sql immutable parallel safe as $$
  select a # (case when u >= 9223372036854775808 then u - 18446744073709551616 else u end)::int8
  from (select mod(mod(b::numeric + 5305509591434766563 + (a << 54)::numeric
                       + ((a >> 7) & 144115188075855871)::numeric, 18446744073709551616)
                   + 18446744073709551616, 18446744073709551616) as u) as wrapped
$$`;

/** The SQL hash of one column: e.g. `hashint8extended(id, 8816678312871386365)`. */
export function postgresColumnHashSql(expression: string, type: KeyType): string {
  const fn = Object.hasOwn(HASH_FUNCTION, type) ? HASH_FUNCTION[type] : undefined;
  if (!fn) throw new SwitchyardError('0A000', `shard keys of type ${String(type)} are not supported`);
  return `${fn}(${expression}, ${SEED})`;
}

/**
 * The SQL expression of a key's point, given each column as an SQL expression (e.g. a quoted column
 * name) and its type. One column: its hash, needing nothing installed. Several: the hash_combine64
 * fold starting from 0, through HASH_COMBINE64_FUNCTION_SQL. Text columns must use a deterministic
 * collation (C, as Switchyard creates them), under which hashtextextended hashes the UTF-8 bytes.
 *
 * @example
 *   postgresPointSql([{ expression: '"id"', type: 'int8' }]);
 *   // hashint8extended("id", 8816678312871386365)
 */
export function postgresPointSql(columns: readonly { expression: string; type: KeyType }[]): string {
  const [first, ...rest] = columns;
  if (!first) throw new SwitchyardError('22023', 'a shard key needs at least one column');
  if (rest.length === 0) return postgresColumnHashSql(first.expression, first.type);
  let sql = '0::int8';
  for (const column of columns) {
    sql = `${HASH_COMBINE64_FUNCTION}(${sql}, ${postgresColumnHashSql(column.expression, column.type)})`;
  }
  return sql;
}
