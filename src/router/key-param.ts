// Decoding a shard key parameter as the client sent it in Bind: text format (the value's text, as
// PostgreSQL's input function reads it) or binary format (the type's send representation). Binary
// integers are read by their length, so a client that sends int4 for an int8 key (or the reverse,
// after a `$1::int4` cast) still routes by the integer's value, as PostgreSQL compares it.
import type { KeyType, KeyValue } from '../keyspace/key-type.js';
import { RoutingError } from './routing-error.js';

const INVALID_TEXT = '22P02';
const BAD_ENCODING = '22021';
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Type OIDs of parameter types whose binary form is UTF-8 text. */
const TEXT_OIDS = new Set([25, 1043, 19, 1042, 705]);
const INTEGER_OIDS = new Set([20, 21, 23]);
const UUID_OID = 2950;

/**
 * The key value of a non-NULL parameter. `typeOid` is the parameter's type from Parse (0 or
 * undefined when the client left it to the server); in binary format it tells how to read the bytes.
 *
 * @example
 *   decodeKeyParam(Buffer.from('42'), 0, 'int8'); // '42'
 *   decodeKeyParam(Uint8Array.of(0, 0, 0, 42), 1, 'int8'); // 42
 * @throws RoutingError 22P02 for bytes that are not a value of the type, 22021 for bad UTF-8.
 */
export function decodeKeyParam(
  bytes: Uint8Array,
  format: 0 | 1,
  keyType: KeyType,
  typeOid?: number,
): KeyValue {
  if (format === 0) return utf8(bytes);
  const oid = typeOid ?? 0;
  if (TEXT_OIDS.has(oid)) return utf8(bytes);
  if (INTEGER_OIDS.has(oid)) return binaryInteger(bytes);
  if (oid === UUID_OID) return binaryUuid(bytes);
  switch (keyType) {
    case 'int2':
    case 'int4':
    case 'int8':
      return binaryInteger(bytes);
    case 'uuid':
      return binaryUuid(bytes);
    default:
      return utf8(bytes);
  }
}

function utf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch (error) {
    throw new RoutingError(
      BAD_ENCODING,
      'invalid byte sequence for encoding "UTF8" in a shard key parameter',
      undefined,
      {
        cause: error,
      },
    );
  }
}

function binaryInteger(bytes: Uint8Array): KeyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (bytes.byteLength) {
    case 2:
      return view.getInt16(0);
    case 4:
      return view.getInt32(0);
    case 8: {
      const value = view.getBigInt64(0);
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value;
    }
    default:
      throw new RoutingError(
        INVALID_TEXT,
        `a binary integer shard key parameter has ${bytes.byteLength} bytes; expected 2, 4 or 8`,
      );
  }
}

function binaryUuid(bytes: Uint8Array): string {
  if (bytes.byteLength !== 16) {
    throw new RoutingError(
      INVALID_TEXT,
      `a binary uuid shard key parameter has ${bytes.byteLength} bytes; expected 16`,
    );
  }
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
