// Frontend messages Switchyard sends to shards on a client's behalf: its own statements (Query),
// a client's statement prepared under Switchyard's name for it (Parse), and a client's Bind / Describe
// / Close pointed at that name. pg-protocol (node-postgres's codec) serializes them.
import { serialize } from 'pg-protocol';
import { murmur3x64_128 } from '../../keyspace/murmur3.js';

const encoder = new TextEncoder();
const digest = new Int32Array(4);

/**
 * The name a statement gets on every shard connection: derived from its text and declared parameter
 * types, so the same statement prepared by any client session reuses one server-side statement.
 */
export function internalStatementName(sql: string, parameterTypes: readonly number[]): string {
  const bytes = encoder.encode(parameterTypes.length ? `${sql}\0${parameterTypes.join(',')}` : sql);
  murmur3x64_128(bytes, bytes.length, 0x5359, digest);
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return `sy_${hex(digest[0]!)}${hex(digest[1]!)}${hex(digest[2]!)}${hex(digest[3]!)}`;
}

/** A simple-protocol Query. */
export function queryMessage(sql: string): Uint8Array {
  return serialize.query(sql);
}

/** Parse of `sql` as statement `name`. */
export function parseMessage(name: string, sql: string, parameterTypes: readonly number[]): Uint8Array {
  return serialize.parse({ name, text: sql, types: [...parameterTypes] });
}

/** Describe of statement `name`. */
export function describeStatementMessage(name: string): Uint8Array {
  return serialize.describe({ type: 'S', name });
}

/** Close of statement `name`. */
export function closeStatementMessage(name: string): Uint8Array {
  return serialize.close({ type: 'S', name });
}

export const SYNC: Uint8Array = serialize.sync();
export const FLUSH: Uint8Array = serialize.flush();

/** CopyFail with a reason. */
export function copyFailMessage(reason: string): Uint8Array {
  return serialize.copyFail(reason);
}

/**
 * The client's Bind message with its statement name replaced by `statement`, everything else (portal,
 * formats, parameter bytes) copied as received.
 */
export function rebindStatement(raw: Uint8Array, statement: string): Uint8Array {
  const portalEnd = raw.indexOf(0, 5);
  const statementEnd = raw.indexOf(0, portalEnd + 1);
  const name = encoder.encode(statement);
  const rest = raw.subarray(statementEnd + 1);
  const head = raw.subarray(5, portalEnd + 1);
  const length = 4 + head.length + name.length + 1 + rest.length;
  const out = new Uint8Array(1 + length);
  out[0] = 0x42; // 'B'
  new DataView(out.buffer).setInt32(1, length);
  out.set(head, 5);
  out.set(name, 5 + head.length);
  out[5 + head.length + name.length] = 0;
  out.set(rest, 5 + head.length + name.length + 1);
  return out;
}
