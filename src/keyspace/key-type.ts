// The column types a shard key may have, and the JavaScript values that stand for them.

/** PostgreSQL types a hash shard key may have (as `format_type` / the catalog names them). */
export type KeyType = 'int2' | 'int4' | 'int8' | 'text' | 'varchar' | 'uuid';

export const KEY_TYPES: readonly KeyType[] = ['int2', 'int4', 'int8', 'text', 'varchar', 'uuid'];

/**
 * A shard key value: integers as `number` (safe integers), `bigint` or decimal text; text and
 * varchar as `string`; uuid as its canonical text form.
 */
export type KeyValue = number | bigint | string;

/** Names of the hash functions a table may be sharded by. `postgres` is PostgreSQL's own extended hash. */
export type HasherName = 'postgres' | 'murmur3' | 'murmur2';

export const HASHER_NAMES: readonly HasherName[] = ['postgres', 'murmur3', 'murmur2'];
