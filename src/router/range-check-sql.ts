// The CHECK constraint that makes each shard refuse rows that belong elsewhere: after CREATE TABLE of
// a hash-sharded table, the session reads the key column types back from a shard (format_type) and
// adds, on each shard, a constraint that the row's point lies in that shard's ranges.
import type { ShardedTableRule } from '../catalog/catalog.js';
import type { KeyRange } from '../keyspace/key-range.js';
import type { KeyType } from '../keyspace/key-type.js';
import { HASH_COMBINE64_FUNCTION_SQL, postgresPointSql } from '../keyspace/postgres-point-sql.js';
import { rangePredicateSql } from '../keyspace/range-predicate-sql.js';
import { quoteIdent, quoteQualified } from '../sql/quote-ident.js';
import { SqlState } from '../util/errors.js';
import { quoted } from './refusals.js';
import { RoutingError } from './routing-error.js';

const FORMAT_TYPES: Readonly<Record<string, KeyType>> = {
  smallint: 'int2',
  int2: 'int2',
  integer: 'int4',
  int4: 'int4',
  bigint: 'int8',
  int8: 'int8',
  text: 'text',
  'character varying': 'varchar',
  varchar: 'varchar',
  uuid: 'uuid',
};

/**
 * The key type of a column whose type `format_type(atttypid, atttypmod)` names (`bigint`,
 * `character varying(20)`, …).
 *
 * @example
 *   keyTypeFromFormatType('bigint'); // 'int8'
 * @throws RoutingError 0A000 for a type a shard key cannot have (numeric, date, an array, …).
 */
export function keyTypeFromFormatType(formatType: string, column?: string): KeyType {
  const base = formatType
    .trim()
    .replace(/^pg_catalog\./, '')
    .replace(/\(\d+\)$/, '')
    .toLowerCase();
  const type = Object.hasOwn(FORMAT_TYPES, base) ? FORMAT_TYPES[base] : undefined;
  if (type !== undefined) return type;
  throw new RoutingError(
    SqlState.featureNotSupported,
    `shard key column ${column !== undefined ? `${quoted(column)} ` : ''}has type ${formatType}, which cannot be a shard key`,
    'use smallint, integer, bigint, text, character varying or uuid for shard key columns',
  );
}

/** The name of a table's range constraint: `<table>_switchyard_range` (the table's own name, without schema). */
export function rangeCheckConstraintName(table: string): string {
  const bare = table.slice(table.lastIndexOf('.') + 1);
  return `${bare}_switchyard_range`;
}

/**
 * `ALTER TABLE … ADD CONSTRAINT <table>_switchyard_range CHECK (…)`: the row's point (PostgreSQL's
 * extended hash of the key) lies in `ranges`, the ranges of the shard it runs on. Multi-column keys
 * need `rangeCheckSetupSql(rule)` run first on the shard. Text keys hash their bytes, which matches
 * the router only under a deterministic collation (Switchyard's shards use C).
 *
 * @example
 *   rangeCheckConstraintSql('users', rule, ['int8'], [{ start: HASH_MIN, end: 0n }]);
 *   // ALTER TABLE users ADD CONSTRAINT users_switchyard_range CHECK (hashint8extended(id, 8816678312871386365) < 0)
 * @throws RoutingError 0A000 when the table is not placed by PostgreSQL's hash (nothing a shard can check).
 */
export function rangeCheckConstraintSql(
  table: string,
  rule: ShardedTableRule,
  keyTypes: readonly KeyType[],
  ranges: readonly KeyRange[],
): string {
  if (rule.resolver.type !== 'hash' || rule.hasher !== 'postgres') {
    throw new RoutingError(
      SqlState.featureNotSupported,
      `${quoted(table)} is not placed by PostgreSQL's hash, so a shard cannot check its rows' placement`,
    );
  }
  if (keyTypes.length !== rule.shardKey.length) {
    throw new RoutingError(
      SqlState.invalidParameterValue,
      `${quoted(table)} has ${rule.shardKey.length} shard key columns but ${keyTypes.length} key types were given`,
    );
  }
  const point = postgresPointSql(
    rule.shardKey.map((c, i) => ({ expression: quoteIdent(c), type: keyTypes[i] as KeyType })),
  );
  const name = quoteIdent(rangeCheckConstraintName(table));
  return `ALTER TABLE ${quoteQualified(table)} ADD CONSTRAINT ${name} CHECK (${rangePredicateSql(point, ranges)})`;
}

/** SQL a shard must run before the range constraint of `rule` (the combine function of multi-column keys). */
export function rangeCheckSetupSql(rule: ShardedTableRule): string | undefined {
  return rule.shardKey.length > 1 ? HASH_COMBINE64_FUNCTION_SQL : undefined;
}
