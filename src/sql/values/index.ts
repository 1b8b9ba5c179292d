// PostgreSQL value semantics by type OID (text and binary formats), and the merging of partial aggregates.
export {
  aggregateResultType,
  avgShardSumType,
  combineAggregate,
  finishAvg,
  type MergeableAggregate,
} from './aggregate-merge.js';
export { decodeBinary, encodeBinary, hasBinaryFormat } from './binary-format.js';
export { compareNullable, type SortDirection } from './compare-nullable.js';
export type { PgArray } from './pg-array.js';
export { INTERVAL_INFINITY, INTERVAL_MINUS_INFINITY, type PgInterval } from './pg-interval.js';
export { type NumericSpecial, PgNumeric } from './pg-numeric.js';
export { isSupportedType, pgType } from './pg-type.js';
export type { PgType, PgValue } from './pg-value.js';
export { ARRAY_ELEMENT_OID, ARRAY_OF, TypeOid } from './type-oids.js';
