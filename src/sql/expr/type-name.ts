// Type names as a cast writes them (`::int`, `numeric(10,2)`, `character varying(5)`, `text[]`)
// → the type OID and its modifiers. The parser already maps SQL-standard spellings to the catalog
// names (integer → pg_catalog.int4); user-defined and unsupported types are refused.
import type { TypeName } from '@pgsql/types';
import { stringsOf } from '../ast-nodes.js';
import { ARRAY_OF, TypeOid } from '../values/type-oids.js';
import { unsupportedExpr } from './compiled-expr.js';

const BY_NAME: Readonly<Record<string, number>> = {
  bool: TypeOid.bool,
  boolean: TypeOid.bool,
  int2: TypeOid.int2,
  smallint: TypeOid.int2,
  int4: TypeOid.int4,
  int: TypeOid.int4,
  integer: TypeOid.int4,
  int8: TypeOid.int8,
  bigint: TypeOid.int8,
  numeric: TypeOid.numeric,
  decimal: TypeOid.numeric,
  float4: TypeOid.float4,
  real: TypeOid.float4,
  float8: TypeOid.float8,
  text: TypeOid.text,
  varchar: TypeOid.varchar,
  bpchar: TypeOid.bpchar,
  name: TypeOid.name,
  uuid: TypeOid.uuid,
  date: TypeOid.date,
  timestamp: TypeOid.timestamp,
  timestamptz: TypeOid.timestamptz,
  interval: TypeOid.interval,
  bytea: TypeOid.bytea,
  json: TypeOid.json,
  jsonb: TypeOid.jsonb,
  oid: TypeOid.oid,
};

/** The OID and integer modifiers of a cast's type name. @throws SwitchyardError 0A000 otherwise. */
export function typeNameOid(typeName: TypeName | undefined): { oid: number; typmods: number[] } {
  const names = stringsOf(typeName?.names);
  const name = names[names.length - 1] ?? '';
  const base = BY_NAME[name];
  if (base === undefined || (names.length > 1 && names[0] !== 'pg_catalog') || typeName?.setof) {
    throw unsupportedExpr(`a cast to ${names.join('.') || 'this type'}`);
  }
  const typmods = (typeName?.typmods ?? []).map((m) => {
    const value = 'A_Const' in m ? m.A_Const.ival?.ival : undefined;
    if (value === undefined && !('A_Const' in m)) throw unsupportedExpr('a non-constant type modifier');
    return value ?? 0;
  });
  if ((typeName?.arrayBounds ?? []).length > 0) {
    const array = ARRAY_OF.get(base);
    if (array === undefined) throw unsupportedExpr(`a cast to ${name}[]`);
    return { oid: array, typmods: [] };
  }
  if (typmods.length > 0 && base !== TypeOid.numeric && base !== TypeOid.varchar && base !== TypeOid.bpchar) {
    throw unsupportedExpr(`a type modifier on ${name}`);
  }
  return {
    oid: base,
    typmods: base === TypeOid.bpchar && typmods.length === 0 && name === 'bpchar' ? [] : typmods,
  };
}
