// The type OIDs Switchyard merges, as RowDescription reports them (pg_type.oid, fixed in the catalog
// since PostgreSQL 8 and identical in PGlite).

/** Built-in type OIDs by name. */
export const TypeOid = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  money: 790,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Array type OID → element type OID, for the element types above. */
export const ARRAY_ELEMENT_OID: ReadonlyMap<number, number> = new Map([
  [1000, TypeOid.bool],
  [1001, TypeOid.bytea],
  [1003, TypeOid.name],
  [1016, TypeOid.int8],
  [1005, TypeOid.int2],
  [1007, TypeOid.int4],
  [1009, TypeOid.text],
  [1028, TypeOid.oid],
  [199, TypeOid.json],
  [1021, TypeOid.float4],
  [1022, TypeOid.float8],
  [1014, TypeOid.bpchar],
  [1015, TypeOid.varchar],
  [1182, TypeOid.date],
  [1115, TypeOid.timestamp],
  [1185, TypeOid.timestamptz],
  [1187, TypeOid.interval],
  [1231, TypeOid.numeric],
  [2951, TypeOid.uuid],
  [3807, TypeOid.jsonb],
]);

/** Element type OID → array type OID. */
export const ARRAY_OF: ReadonlyMap<number, number> = new Map(
  [...ARRAY_ELEMENT_OID].map(([array, element]) => [element, array]),
);
