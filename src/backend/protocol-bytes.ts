// The few protocol details the raw shard connections read or write themselves. Everything else
// passes through them as framed bytes (see ../protocol/message-framer.ts), undecoded.
import type { TransactionStatus } from './shard-connection.js';

/** Type bytes of the backend messages the raw connections look at. */
export const BackendType = {
  authentication: 0x52, // 'R'
  backendKeyData: 0x4b, // 'K'
  commandComplete: 0x43, // 'C'
  copyInResponse: 0x47, // 'G'
  errorResponse: 0x45, // 'E'
  noticeResponse: 0x4e, // 'N'
  parameterStatus: 0x53, // 'S'
  readyForQuery: 0x5a, // 'Z'
} as const;

/** Type bytes of the frontend messages the raw connections look at. */
export const FrontendType = {
  copyData: 0x64, // 'd'
  copyDone: 0x63, // 'c'
  copyFail: 0x66, // 'f'
  functionCall: 0x46, // 'F'
  query: 0x51, // 'Q'
  sync: 0x53, // 'S'
  terminate: 0x58, // 'X'
} as const;

const decoder = new TextDecoder();

/** The status byte of a ReadyForQuery body as a TransactionStatus (`I` for anything unexpected). */
export function readyStatus(body: Uint8Array): TransactionStatus {
  const status = body[0];
  return status === 0x54 ? 'T' : status === 0x45 ? 'E' : 'I';
}

/** A ReadyForQuery message with `status`. */
export function readyForQueryMessage(status: TransactionStatus): Uint8Array {
  return Uint8Array.of(BackendType.readyForQuery, 0, 0, 0, 5, status.charCodeAt(0));
}

/**
 * Calls `visit` with the type and bounds of each whole message in `bytes` (framed frontend
 * messages, as `ShardConnection.send` takes them). Reads only the five header bytes of each.
 * Stops at a truncated message: the caller passed bytes that are not whole messages.
 */
export function forEachMessage(
  bytes: Uint8Array,
  visit: (type: number, start: number, end: number) => void,
): void {
  let offset = 0;
  while (offset + 5 <= bytes.length) {
    const end = messageEnd(bytes, offset);
    if (end < 0) return;
    visit(bytes[offset]!, offset, end);
    offset = end;
  }
}

/**
 * Where the typed message starting at `offset` ends, or -1 when its length word is invalid or the
 * message runs past the end of `bytes`.
 */
export function messageEnd(bytes: Uint8Array, offset: number): number {
  if (offset + 5 > bytes.length) return -1;
  const length =
    ((bytes[offset + 1]! << 24) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 8) |
      bytes[offset + 4]!) >>>
    0;
  const end = offset + 1 + length;
  return length < 4 || end > bytes.length ? -1 : end;
}

/**
 * How many ReadyForQuery messages `bytes` asks for: one per Sync, Query and FunctionCall. Used to
 * know whether a connection still owes answers when it is released.
 */
export function readyForQueryRequests(bytes: Uint8Array): number {
  let count = 0;
  forEachMessage(bytes, (type) => {
    if (type === FrontendType.sync || type === FrontendType.query || type === FrontendType.functionCall) {
      count += 1;
    }
  });
  return count;
}

/** The zero-terminated string at `offset` and the offset after its terminator. */
export function readCString(bytes: Uint8Array, offset: number): [string, number] {
  let end = bytes.indexOf(0, offset);
  if (end < 0) end = bytes.length;
  return [decoder.decode(bytes.subarray(offset, end)), end + 1];
}

/** Name and value of a ParameterStatus body. */
export function parameterStatusOf(body: Uint8Array): [string, string] {
  const [name, next] = readCString(body, 0);
  const [value] = readCString(body, next);
  return [name, value];
}

/** `parts` as one array (the part itself when there is one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
