// The lookup every merge goes through: a RowDescription type OID → its value semantics, arrays
// included. An OID Switchyard does not know is refused (0A000) rather than merged as raw text, which
// would order and group it wrongly.
import { SwitchyardError } from '../../util/errors.js';
import { arrayGroupKey, compareArray, formatArray, type PgArray, parseArray } from './pg-array.js';
import type { PgType } from './pg-value.js';
import { SCALAR_TYPES } from './scalar-types.js';
import { ARRAY_ELEMENT_OID } from './type-oids.js';

const arrayTypes = new Map<number, PgType>();

/**
 * The value semantics of type `oid`.
 *
 * @example
 *   const t = pgType(1700);
 *   t.format(t.parse('1.50')); // '1.50'
 * @throws SwitchyardError 0A000 for a type Switchyard cannot merge.
 */
export function pgType(oid: number): PgType {
  const scalar = SCALAR_TYPES.get(oid);
  if (scalar) return scalar;
  const cached = arrayTypes.get(oid);
  if (cached) return cached;
  const elementOid = ARRAY_ELEMENT_OID.get(oid);
  const element = elementOid === undefined ? undefined : SCALAR_TYPES.get(elementOid);
  if (!element) {
    throw new SwitchyardError(
      '0A000',
      `merging values of type OID ${oid} across shards is not supported; cast the column to text or a supported type, or run the query on one shard`,
    );
  }
  const type: PgType = {
    oid,
    name: `${element.name}[]`,
    parse: (text) => parseArray(text, element),
    format: (v) => formatArray(v as PgArray, element),
    compare: (a, b) => compareArray(a as PgArray, b as PgArray, element),
    groupKey: (v) => arrayGroupKey(v as PgArray, element),
  };
  arrayTypes.set(oid, type);
  return type;
}

/** True when `oid` is a type `pgType` supports. */
export function isSupportedType(oid: number): boolean {
  return SCALAR_TYPES.has(oid) || ARRAY_ELEMENT_OID.has(oid);
}
