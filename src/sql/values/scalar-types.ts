// The value semantics of each supported scalar type: parse the server's text, print it back exactly,
// order it as the type's default btree operator class, and key it for GROUP BY / DISTINCT.
// Text types order by C collation (UTF-8 byte order): Switchyard's shards are created with collation
// C, so that is the order the server itself uses.
import { compareUtf8 } from '../../keyspace/text-key.js';
import { SwitchyardError } from '../../util/errors.js';
import { formatDate, formatTimestamp, parseDate, parseTimestamp } from './datetime-text.js';
import { formatFloat4, formatFloat8, parseFloat4, parseFloat8 } from './float-text.js';
import { jsonbGroupKey } from './jsonb-key.js';
import {
  compareInterval,
  formatInterval,
  intervalSpan,
  type PgInterval,
  parseInterval,
} from './pg-interval.js';
import { PgNumeric } from './pg-numeric.js';
import type { PgType, PgValue } from './pg-value.js';
import { TypeOid } from './type-oids.js';

const cmp = <T extends number | bigint | string>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);

function integerType(oid: number, name: string, min: number, max: number): PgType {
  return {
    oid,
    name,
    parse: (text) => parseInteger(text, name, BigInt(min), BigInt(max), false) as number,
    format: (v) => String(v),
    compare: (a, b) => cmp(a as number, b as number),
    groupKey: (v) => String(v),
  };
}

/**
 * Parses an integer as int2in / int4in / int8in do (blanks around, optional sign).
 * @throws SwitchyardError 22P02 for malformed text, 22003 when out of range.
 */
export function parseInteger(
  text: string,
  name: string,
  min: bigint,
  max: bigint,
  big: boolean,
): number | bigint {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t))
    throw new SwitchyardError('22P02', `invalid input syntax for type ${name}: "${text}"`);
  const value = BigInt(t);
  if (value < min || value > max) {
    throw new SwitchyardError('22003', `value "${t}" is out of range for type ${name}`);
  }
  return big ? value : Number(value);
}

function floatType(oid: number, name: string, single: boolean): PgType {
  return {
    oid,
    name,
    parse: single ? parseFloat4 : (t) => parseFloat8(t),
    format: (v) => (single ? formatFloat4(v as number) : formatFloat8(v as number)),
    compare: (a, b) => compareFloat(a as number, b as number),
    // -0 = 0 and NaN = NaN for float equality.
    groupKey: (v) => (Number.isNaN(v) ? 'NaN' : String((v as number) + 0)),
  };
}

/** float8_cmp: NaN equals NaN and sorts above every number; -0 equals 0. */
export function compareFloat(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function textType(oid: number, name: string): PgType {
  return {
    oid,
    name,
    parse: (t) => t,
    format: (v) => v as string,
    compare: (a, b) => compareUtf8(a as string, b as string),
    groupKey: (v) => v as string,
  };
}

/** bpchar ignores trailing spaces when comparing (bpcharcmp), while keeping them in its output. */
const trimPad = (s: string) => s.replace(/ +$/, '');

function unordered(name: string, what: string): never {
  throw new SwitchyardError(
    '0A000',
    `${what} of type ${name} is not supported across shards; cast it to text or run the query on one shard`,
  );
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Every supported scalar type by OID. */
export const SCALAR_TYPES: ReadonlyMap<number, PgType> = new Map<number, PgType>(
  (
    [
      {
        oid: TypeOid.bool,
        name: 'boolean',
        parse: parseBool,
        format: (v) => (v ? 't' : 'f'),
        compare: (a, b) => Number(a) - Number(b),
        groupKey: (v) => (v ? 't' : 'f'),
      },
      integerType(TypeOid.int2, 'smallint', -32768, 32767),
      integerType(TypeOid.int4, 'integer', -2147483648, 2147483647),
      integerType(TypeOid.oid, 'oid', 0, 4294967295),
      {
        oid: TypeOid.int8,
        name: 'bigint',
        parse: (t) => parseInteger(t, 'bigint', -(2n ** 63n), 2n ** 63n - 1n, true),
        format: (v) => String(v),
        compare: (a, b) => cmp(a as bigint, b as bigint),
        groupKey: (v) => String(v),
      },
      {
        oid: TypeOid.numeric,
        name: 'numeric',
        parse: (t) => PgNumeric.parse(t),
        format: (v) => (v as PgNumeric).toString(),
        compare: (a, b) => (a as PgNumeric).compare(b as PgNumeric),
        groupKey: (v) => (v as PgNumeric).groupKey(),
      },
      floatType(TypeOid.float4, 'real', true),
      floatType(TypeOid.float8, 'double precision', false),
      textType(TypeOid.text, 'text'),
      textType(TypeOid.varchar, 'character varying'),
      textType(TypeOid.name, 'name'),
      textType(TypeOid.unknown, 'unknown'),
      {
        ...textType(TypeOid.bpchar, 'character'),
        compare: (a, b) => compareUtf8(trimPad(a as string), trimPad(b as string)),
        groupKey: (v) => trimPad(v as string),
      },
      {
        ...textType(TypeOid.uuid, 'uuid'),
        parse: parseUuid,
      },
      {
        oid: TypeOid.date,
        name: 'date',
        parse: parseDate,
        format: (v) => formatDate(v as number),
        compare: (a, b) => cmp(a as number, b as number),
        groupKey: (v) => String(v),
      },
      {
        oid: TypeOid.timestamp,
        name: 'timestamp without time zone',
        parse: (t) => parseTimestamp(t, false),
        format: (v) => formatTimestamp(v as bigint, false),
        compare: (a, b) => cmp(a as bigint, b as bigint),
        groupKey: (v) => String(v),
      },
      {
        oid: TypeOid.timestamptz,
        name: 'timestamp with time zone',
        parse: (t) => parseTimestamp(t, true),
        format: (v) => formatTimestamp(v as bigint, true),
        compare: (a, b) => cmp(a as bigint, b as bigint),
        groupKey: (v) => String(v),
      },
      {
        oid: TypeOid.interval,
        name: 'interval',
        parse: parseInterval,
        format: (v) => formatInterval(v as PgInterval),
        compare: (a, b) => compareInterval(a as PgInterval, b as PgInterval),
        // interval_eq compares spans: '1 mon' = '30 days'.
        groupKey: (v) => String(intervalSpan(v as PgInterval)),
      },
      {
        oid: TypeOid.bytea,
        name: 'bytea',
        parse: parseBytea,
        format: (v) => `\\x${hex(v as Uint8Array)}`,
        compare: (a, b) => Buffer.compare(a as Uint8Array, b as Uint8Array),
        groupKey: (v) => hex(v as Uint8Array),
      },
      {
        ...textType(TypeOid.json, 'json'),
        compare: () => unordered('json', 'ORDER BY'),
        groupKey: () => unordered('json', 'GROUP BY or DISTINCT'),
      },
      {
        ...textType(TypeOid.jsonb, 'jsonb'),
        compare: () => unordered('jsonb', 'ORDER BY'),
        groupKey: (v) => jsonbGroupKey(v as string),
      },
    ] satisfies PgType[]
  ).map((t): [number, PgType] => [t.oid, t]),
);

function parseBool(text: string): PgValue {
  const t = text.trim().toLowerCase();
  if (t.length > 0) {
    if ('true'.startsWith(t) || 'yes'.startsWith(t) || t === 'on' || t === '1') return true;
    if ('false'.startsWith(t) || 'no'.startsWith(t) || t === 'off' || t === '0') return false;
  }
  throw new SwitchyardError('22P02', `invalid input syntax for type boolean: "${text}"`);
}

function parseUuid(text: string): PgValue {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^\{|\}$/g, '');
  const digits = t.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(digits))
    throw new SwitchyardError('22P02', `invalid input syntax for type uuid: "${text}"`);
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
}

function parseBytea(text: string): PgValue {
  if (!/^\\x([0-9a-fA-F]{2})*$/.test(text)) {
    throw new SwitchyardError(
      '22P02',
      'invalid input syntax for type bytea (only the hex format is supported)',
    );
  }
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
}
