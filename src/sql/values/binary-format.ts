// PostgreSQL's binary format for the values pgType supports: the bytes each type's *send function
// writes into a binary-format DataRow column, and what its *recv function accepts from a client's
// binary Bind parameter, read into the same PgValue the text format parses to. Input the server's
// recv refuses is refused with the server's SQLSTATE (22P03 for malformed bytes, 22021 for bad
// UTF-8, 22008 for dates out of range, …); where the server reports 08P01 because the bytes end early
// or XX000 for an unknown jsonb version, 22P03 is raised instead.

import { SwitchyardError } from '../../util/errors.js';
import { scanJson } from './json-text.js';
import type { PgArray } from './pg-array.js';
import type { PgInterval } from './pg-interval.js';
import { type NumericSpecial, PgNumeric } from './pg-numeric.js';
import type { PgValue } from './pg-value.js';
import { ARRAY_ELEMENT_OID, TypeOid } from './type-oids.js';

/** How one type's values are written and read in binary. */
interface BinaryCodec {
  /** The type's name as format_type prints it, for messages. */
  readonly name: string;
  encode(value: PgValue): Uint8Array;
  /** Reads a value that fills `bytes` exactly. */
  decode(bytes: Uint8Array): PgValue;
}

const INVALID_BINARY = '22P03';
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** date_recv's range: Julian day 0 (4714-11-24 BC) up to 5874898-01-01, as days since 2000-01-01. */
const DATE_MIN = -2451545;
const DATE_END = 2145031949;
/** timestamp_recv's range (MIN_TIMESTAMP, END_TIMESTAMP) in microseconds since 2000-01-01. */
const TIMESTAMP_MIN = -211813488000000000n;
const TIMESTAMP_END = 9223371331200000000n;
/** array.h MAXDIM and MaxArraySize; element OIDs below FirstGenbkiObjectId are checked. */
const MAX_DIMS = 6;
const MAX_ARRAY_SIZE = 134217727;
const FIRST_GENBKI_OID = 10000;
const NAME_MAX_BYTES = 63;
const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_SIGNS: ReadonlyMap<number, NumericSpecial | undefined> = new Map([
  [NUMERIC_POS, undefined],
  [NUMERIC_NEG, undefined],
  [0xc000, 'NaN'],
  [0xd000, 'Infinity'],
  [0xf000, '-Infinity'],
]);

const UTF8_ENCODER = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: it is part of the value, as the server sees it.
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function invalid(name: string, why: string): SwitchyardError {
  return new SwitchyardError(INVALID_BINARY, `invalid binary representation of type ${name}: ${why}`);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A view of `bytes` after checking it holds exactly `size` bytes. */
function fixedView(bytes: Uint8Array, size: number, name: string): DataView {
  if (bytes.byteLength !== size) throw invalid(name, `expected ${size} bytes, got ${bytes.byteLength}`);
  return viewOf(bytes);
}

const allocate = (size: number) => new DataView(new ArrayBuffer(size));
const bytesOf = (view: DataView) => new Uint8Array(view.buffer);

function decodeUtf8(bytes: Uint8Array, name: string): string {
  // The server checks client text as it converts it, and text can never hold a NUL.
  if (bytes.indexOf(0) >= 0) {
    throw new SwitchyardError('22021', `invalid byte sequence for encoding "UTF8": 0x00 in a ${name} value`);
  }
  try {
    return UTF8_DECODER.decode(bytes);
  } catch (error) {
    throw new SwitchyardError('22021', `invalid byte sequence for encoding "UTF8" in a ${name} value`, {
      cause: error,
    });
  }
}

function textCodec(name: string, decode?: (text: string) => string): BinaryCodec {
  return {
    name,
    encode: (v) => UTF8_ENCODER.encode(v as string),
    decode: decode ? (bytes) => decode(decodeUtf8(bytes, name)) : (bytes) => decodeUtf8(bytes, name),
  };
}

const SCALAR_CODECS = new Map<number, BinaryCodec>([
  [
    TypeOid.bool,
    {
      name: 'boolean',
      encode: (v) => Uint8Array.of(v ? 1 : 0),
      // boolrecv: any non-zero byte is true.
      decode: (bytes) => fixedView(bytes, 1, 'boolean').getUint8(0) !== 0,
    },
  ],
  [
    TypeOid.int2,
    {
      name: 'smallint',
      encode: (v) => int16Bytes(v as number),
      decode: (bytes) => fixedView(bytes, 2, 'smallint').getInt16(0),
    },
  ],
  [
    TypeOid.int4,
    {
      name: 'integer',
      encode: (v) => int32Bytes(v as number),
      decode: (bytes) => fixedView(bytes, 4, 'integer').getInt32(0),
    },
  ],
  [
    TypeOid.oid,
    {
      name: 'oid',
      encode: (v) => uint32Bytes(v as number),
      decode: (bytes) => fixedView(bytes, 4, 'oid').getUint32(0),
    },
  ],
  [
    TypeOid.int8,
    {
      name: 'bigint',
      encode: (v) => int64Bytes(v),
      decode: (bytes) => fixedView(bytes, 8, 'bigint').getBigInt64(0),
    },
  ],
  [
    TypeOid.float4,
    {
      name: 'real',
      encode: (v) => float32Bytes(v as number),
      decode: (bytes) => fixedView(bytes, 4, 'real').getFloat32(0),
    },
  ],
  [
    TypeOid.float8,
    {
      name: 'double precision',
      encode: (v) => float64Bytes(v as number),
      decode: (bytes) => fixedView(bytes, 8, 'double precision').getFloat64(0),
    },
  ],
  [TypeOid.text, textCodec('text')],
  [TypeOid.varchar, textCodec('character varying')],
  [TypeOid.bpchar, textCodec('character')],
  [TypeOid.unknown, textCodec('unknown')],
  [TypeOid.name, textCodec('name', checkName)],
  [TypeOid.json, textCodec('json', (text) => scanJson(text, false))],
  [
    TypeOid.jsonb,
    {
      name: 'jsonb',
      encode: encodeJsonb,
      decode: decodeJsonb,
    },
  ],
  [
    TypeOid.bytea,
    {
      name: 'bytea',
      // The value is immutable, so it is sent as it is; what is read is copied out of the message.
      encode: (v) => v as Uint8Array,
      decode: (bytes) => bytes.slice(),
    },
  ],
  [TypeOid.uuid, { name: 'uuid', encode: encodeUuid, decode: decodeUuid }],
  [TypeOid.date, { name: 'date', encode: encodeDate, decode: decodeDate }],
  [TypeOid.timestamp, timestampCodec('timestamp without time zone')],
  [TypeOid.timestamptz, timestampCodec('timestamp with time zone')],
  [TypeOid.interval, { name: 'interval', encode: encodeInterval, decode: decodeInterval }],
  [TypeOid.numeric, { name: 'numeric', encode: (v) => encodeNumeric(v as PgNumeric), decode: decodeNumeric }],
]);

function int16Bytes(n: number): Uint8Array {
  const view = allocate(2);
  view.setInt16(0, n);
  return bytesOf(view);
}

function int32Bytes(n: number): Uint8Array {
  const view = allocate(4);
  view.setInt32(0, n);
  return bytesOf(view);
}

function uint32Bytes(n: number): Uint8Array {
  const view = allocate(4);
  view.setUint32(0, n);
  return bytesOf(view);
}

function int64Bytes(n: PgValue): Uint8Array {
  const view = allocate(8);
  view.setBigInt64(0, typeof n === 'bigint' ? n : BigInt(n as number));
  return bytesOf(view);
}

function float32Bytes(n: number): Uint8Array {
  const view = allocate(4);
  view.setFloat32(0, n);
  return bytesOf(view);
}

function float64Bytes(n: number): Uint8Array {
  const view = allocate(8);
  view.setFloat64(0, n);
  return bytesOf(view);
}

function checkName(text: string): string {
  if (UTF8_ENCODER.encode(text).byteLength > NAME_MAX_BYTES) {
    throw new SwitchyardError('42622', `identifier too long: a binary name value must be under 64 bytes`);
  }
  return text;
}

function encodeUuid(value: PgValue): Uint8Array {
  return new Uint8Array(Buffer.from((value as string).replace(/-/g, ''), 'hex'));
}

function decodeUuid(bytes: Uint8Array): string {
  fixedView(bytes, 16, 'uuid');
  const h = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function encodeDate(value: PgValue): Uint8Array {
  const days = value as number;
  const stored =
    days === Number.POSITIVE_INFINITY ? INT32_MAX : days === Number.NEGATIVE_INFINITY ? INT32_MIN : days;
  return int32Bytes(stored);
}

function decodeDate(bytes: Uint8Array): number {
  const days = fixedView(bytes, 4, 'date').getInt32(0);
  if (days === INT32_MAX) return Number.POSITIVE_INFINITY;
  if (days === INT32_MIN) return Number.NEGATIVE_INFINITY;
  if (days < DATE_MIN || days >= DATE_END) throw new SwitchyardError('22008', 'date out of range');
  return days;
}

function timestampCodec(name: string): BinaryCodec {
  return {
    name,
    encode: (v) => int64Bytes(v),
    decode: (bytes) => {
      const micros = fixedView(bytes, 8, name).getBigInt64(0);
      if (micros === INT64_MAX || micros === INT64_MIN) return micros;
      if (micros < TIMESTAMP_MIN || micros >= TIMESTAMP_END) {
        throw new SwitchyardError('22008', 'timestamp out of range');
      }
      return micros;
    },
  };
}

function encodeInterval(value: PgValue): Uint8Array {
  const v = value as PgInterval;
  const view = allocate(16);
  view.setBigInt64(0, v.micros);
  view.setInt32(8, v.days);
  view.setInt32(12, v.months);
  return bytesOf(view);
}

function decodeInterval(bytes: Uint8Array): PgInterval {
  const view = fixedView(bytes, 16, 'interval');
  return { months: view.getInt32(12), days: view.getInt32(8), micros: view.getBigInt64(0) };
}

/**
 * numeric_send: ndigits, weight (of the first base-10000 digit), sign, dscale, then the digits with
 * leading and trailing zero digits stripped. Special values carry the dscale their short header
 * bits decode to (32 for ±Infinity).
 */
function encodeNumeric(n: PgNumeric): Uint8Array {
  if (n.special) {
    const sign = n.special === 'NaN' ? 0xc000 : n.special === 'Infinity' ? 0xd000 : 0xf000;
    const view = allocate(8);
    view.setUint16(4, sign);
    view.setUint16(6, n.special === 'NaN' ? 0 : 32);
    return bytesOf(view);
  }
  let abs = n.unscaled < 0n ? -n.unscaled : n.unscaled;
  let scale = n.scale;
  if (scale < 0) {
    abs *= 10n ** BigInt(-scale);
    scale = 0;
  }
  const fracGroups = Math.ceil(scale / 4);
  let digits = abs === 0n ? '' : (abs * 10n ** BigInt(fracGroups * 4 - scale)).toString();
  digits = '0'.repeat((4 - (digits.length % 4)) % 4) + digits;
  let ndigits = digits.length / 4;
  const weight = ndigits === 0 ? 0 : ndigits - 1 - fracGroups;
  while (ndigits > 0 && digits.endsWith('0000', ndigits * 4)) ndigits--;
  const view = allocate(8 + 2 * ndigits);
  view.setUint16(0, ndigits);
  view.setInt16(2, weight);
  view.setUint16(4, n.unscaled < 0n ? NUMERIC_NEG : NUMERIC_POS);
  view.setUint16(6, scale);
  for (let i = 0; i < ndigits; i++) view.setUint16(8 + 2 * i, Number(digits.slice(i * 4, i * 4 + 4)));
  return bytesOf(view);
}

/** numeric_recv: digits the dscale hides are truncated away, as the server does. */
function decodeNumeric(bytes: Uint8Array): PgNumeric {
  if (bytes.byteLength < 8) throw invalid('numeric', `expected at least 8 bytes, got ${bytes.byteLength}`);
  const view = viewOf(bytes);
  const ndigits = view.getUint16(0);
  const weight = view.getInt16(2);
  const sign = view.getUint16(4);
  const dscale = view.getUint16(6);
  if (!NUMERIC_SIGNS.has(sign)) throw invalid('numeric', 'invalid sign');
  if (dscale > 0x3fff) throw invalid('numeric', 'invalid scale');
  if (bytes.byteLength !== 8 + 2 * ndigits) {
    throw invalid('numeric', `${ndigits} digits need ${8 + 2 * ndigits} bytes, got ${bytes.byteLength}`);
  }
  let text = '';
  for (let i = 0; i < ndigits; i++) {
    const d = view.getUint16(8 + 2 * i);
    if (d >= 10000) throw invalid('numeric', 'invalid digit (each must be below 10000)');
    text += d < 1000 ? String(d).padStart(4, '0') : String(d);
  }
  const special = NUMERIC_SIGNS.get(sign);
  if (special) return PgNumeric.special(special);
  if (ndigits === 0) return PgNumeric.of(0n, dscale);
  const exponent = 4 * (weight - ndigits + 1) + dscale;
  let unscaled = BigInt(text);
  unscaled = exponent >= 0 ? unscaled * 10n ** BigInt(exponent) : unscaled / 10n ** BigInt(-exponent);
  return PgNumeric.of(sign === NUMERIC_NEG ? -unscaled : unscaled, dscale);
}

/** jsonb_send: version 1, then jsonb_out's text (which a jsonb PgValue already is). */
function encodeJsonb(value: PgValue): Uint8Array {
  const text = UTF8_ENCODER.encode(value as string);
  const out = new Uint8Array(text.byteLength + 1);
  out[0] = 1;
  out.set(text, 1);
  return out;
}

/** jsonb_recv: version 1, then JSON text, stored (and so read back) in jsonb's canonical form. */
function decodeJsonb(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) throw invalid('jsonb', 'missing version byte');
  if (bytes[0] !== 1) throw invalid('jsonb', `unsupported jsonb version number ${bytes[0]}`);
  return scanJson(decodeUtf8(bytes.subarray(1), 'jsonb'), true);
}

/** array_send / array_recv for arrays of `element` (OID `elementOid`). */
function arrayCodec(elementOid: number, element: BinaryCodec): BinaryCodec {
  const name = `${element.name}[]`;
  return {
    name,
    encode(value) {
      const array = value as PgArray;
      const ndim = array.dims.length;
      const count = ndim === 0 ? 0 : array.elements.length;
      const parts: (Uint8Array | null)[] = new Array(count);
      let size = 12 + 8 * ndim;
      let hasNull = false;
      for (let i = 0; i < count; i++) {
        const e = array.elements[i] ?? null;
        const part = e === null ? null : element.encode(e);
        if (part === null) hasNull = true;
        parts[i] = part;
        size += 4 + (part?.byteLength ?? 0);
      }
      const out = new Uint8Array(size);
      const view = new DataView(out.buffer);
      view.setInt32(0, ndim);
      view.setInt32(4, hasNull ? 1 : 0);
      view.setUint32(8, elementOid);
      let pos = 12;
      for (let d = 0; d < ndim; d++, pos += 8) {
        view.setInt32(pos, array.dims[d] ?? 0);
        view.setInt32(pos + 4, array.lbounds[d] ?? 1);
      }
      for (const part of parts) {
        view.setInt32(pos, part === null ? -1 : part.byteLength);
        pos += 4;
        if (part !== null) {
          out.set(part, pos);
          pos += part.byteLength;
        }
      }
      return out;
    },
    decode: (bytes) => decodeArray(bytes, elementOid, element, name),
  };
}

function decodeArray(bytes: Uint8Array, elementOid: number, element: BinaryCodec, name: string): PgArray {
  const end = bytes.byteLength;
  if (end < 12) throw invalid(name, `an array header needs 12 bytes, got ${end}`);
  const view = viewOf(bytes);
  const ndim = view.getInt32(0);
  if (ndim < 0) throw invalid(name, `invalid number of dimensions: ${ndim}`);
  if (ndim > MAX_DIMS) {
    throw new SwitchyardError(
      '54000',
      `number of array dimensions (${ndim}) exceeds the maximum allowed (${MAX_DIMS})`,
    );
  }
  const flags = view.getInt32(4);
  if (flags !== 0 && flags !== 1) throw invalid(name, 'invalid array flags');
  const given = view.getUint32(8);
  if (given !== elementOid && given < FIRST_GENBKI_OID) {
    throw new SwitchyardError(
      '42804',
      `binary data has array element type ${given} instead of expected ${elementOid} (${element.name})`,
    );
  }
  let pos = 12 + 8 * ndim;
  if (end < pos) throw invalid(name, `${ndim} dimensions need a ${pos}-byte header, got ${end} bytes`);
  const dims: number[] = [];
  const lbounds: number[] = [];
  let count = ndim === 0 ? 0 : 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getInt32(12 + 8 * d);
    const lbound = view.getInt32(16 + 8 * d);
    count *= n;
    if (n < 0 || count > MAX_ARRAY_SIZE) {
      throw new SwitchyardError('54000', `array size exceeds the maximum allowed (${MAX_ARRAY_SIZE})`);
    }
    dims.push(n);
    lbounds.push(lbound);
  }
  for (let d = 0; d < ndim; d++) {
    if ((dims[d] ?? 0) + (lbounds[d] ?? 0) > INT32_MAX) {
      throw new SwitchyardError('54000', `array lower bound is too large: ${lbounds[d]}`);
    }
  }
  if (count === 0) {
    if (pos !== end) throw invalid(name, 'bytes after the end of an empty array');
    return { kind: 'array', elements: [], dims: [], lbounds: [] };
  }
  if (count * 4 > end - pos) throw invalid(name, 'insufficient data left in message');
  const elements: PgValue[] = new Array(count);
  for (let i = 0; i < count; i++) {
    if (end - pos < 4) throw invalid(name, 'insufficient data left in message');
    const length = view.getInt32(pos);
    pos += 4;
    if (length < -1 || length > end - pos) throw invalid(name, 'insufficient data left in message');
    if (length === -1) {
      elements[i] = null;
      continue;
    }
    elements[i] = element.decode(bytes.subarray(pos, pos + length));
    pos += length;
  }
  if (pos !== end) throw invalid(name, 'bytes after the last element');
  return { kind: 'array', elements, dims, lbounds };
}

const arrayCodecs = new Map<number, BinaryCodec>();

function codecFor(oid: number): BinaryCodec | undefined {
  const scalar = SCALAR_CODECS.get(oid);
  if (scalar) return scalar;
  const cached = arrayCodecs.get(oid);
  if (cached) return cached;
  const elementOid = ARRAY_ELEMENT_OID.get(oid);
  const element = elementOid === undefined ? undefined : SCALAR_CODECS.get(elementOid);
  if (elementOid === undefined || !element) return undefined;
  const codec = arrayCodec(elementOid, element);
  arrayCodecs.set(oid, codec);
  return codec;
}

function requireCodec(oid: number): BinaryCodec {
  const codec = codecFor(oid);
  if (codec) return codec;
  throw new SwitchyardError(
    '0A000',
    `binary format of type OID ${oid} is not supported; use the text format for this column or parameter`,
  );
}

/** True when values of type `oid` can be written and read in binary (see encodeBinary). */
export function hasBinaryFormat(oid: number): boolean {
  return codecFor(oid) !== undefined;
}

/**
 * The bytes PostgreSQL's send function writes for a non-NULL `value` of type `oid`: the content of a
 * binary-format DataRow column or Bind parameter, without its length prefix.
 *
 * @example
 *   encodeBinary(23, 5); // Uint8Array [0, 0, 0, 5]
 *   encodeBinary(1700, PgNumeric.parse('-0.5')); // ndigits 1, weight -1, sign 0x4000, dscale 1, 5000
 * @throws SwitchyardError 0A000 for a type without a binary format here (see hasBinaryFormat).
 */
export function encodeBinary(oid: number, value: PgValue): Uint8Array {
  return requireCodec(oid).encode(value);
}

/**
 * Reads a binary value of type `oid` as PostgreSQL's receive function does, into the PgValue
 * `pgType(oid).parse` gives for the value's text (jsonb in its canonical text, numeric digits beyond
 * the sent dscale truncated).
 *
 * @example
 *   decodeBinary(20, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 42)); // 42n
 * @throws SwitchyardError with the server's SQLSTATE: 22P03 for malformed bytes (wrong length, bad
 *   numeric sign, scale or digits, a bad array header), 22021 for text that is not UTF-8 or holds NUL,
 *   22P02 for invalid JSON, 22P05 for \u0000 in jsonb, 42622 for a name of 64 bytes or more, 22008
 *   for a date or timestamp out of range, 42804 for an array of another element type, 54000 for an
 *   array past PostgreSQL's limits; 0A000 for an unsupported type.
 */
export function decodeBinary(oid: number, bytes: Uint8Array): PgValue {
  return requireCodec(oid).decode(bytes);
}
