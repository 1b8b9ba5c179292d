// The streaming replication protocol's CopyData payloads: XLogData ('w') and the primary keepalive
// ('k') from the server, the standby status update ('r') from us. Pure.
import { CdcError, CdcErrorCode } from '../cdc-error.js';

/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC). */
const pgEpochMicros = 946_684_800_000_000n;

export type ReplicationMessage =
  | {
      readonly kind: 'xlogData';
      /** Where the data starts in the WAL (0 for messages that are not tied to one record). */
      readonly walStart: bigint;
      /** The server's current end of WAL. */
      readonly walEnd: bigint;
      /** The pgoutput message. */
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'keepalive';
      /** Everything before this has been sent. */
      readonly walEnd: bigint;
      /** The server wants a status update now (it is about to time us out). */
      readonly replyRequested: boolean;
    };

/**
 * The message in a CopyData payload.
 *
 * @throws CdcError 08P01 for anything else.
 */
export function decodeReplicationMessage(payload: Uint8Array): ReplicationMessage {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const type = payload[0];
  if (type === 0x77 && payload.length >= 25) {
    return {
      kind: 'xlogData',
      walStart: view.getBigUint64(1),
      walEnd: view.getBigUint64(9),
      data: payload.subarray(25),
    };
  }
  if (type === 0x6b && payload.length >= 18) {
    return { kind: 'keepalive', walEnd: view.getBigUint64(1), replyRequested: payload[17] === 1 };
  }
  throw new CdcError(
    CdcErrorCode.protocolViolation,
    `the server sent a replication message of type ${type} and ${payload.length} bytes, neither XLogData nor a keepalive`,
  );
}

/**
 * A standby status update reporting `flushed` as written, flushed and applied: the server may
 * discard every transaction that ends at or before it.
 */
export function standbyStatusUpdate(flushed: bigint, now = Date.now(), replyRequested = false): Uint8Array {
  const payload = new Uint8Array(34);
  const view = new DataView(payload.buffer);
  payload[0] = 0x72; // 'r'
  view.setBigUint64(1, flushed);
  view.setBigUint64(9, flushed);
  view.setBigUint64(17, flushed);
  view.setBigInt64(25, BigInt(now) * 1000n - pgEpochMicros);
  payload[33] = replyRequested ? 1 : 0;
  return payload;
}

/** A CopyData message ('d') carrying `payload`. */
export function copyData(payload: Uint8Array): Uint8Array {
  const message = new Uint8Array(5 + payload.length);
  message[0] = 0x64;
  new DataView(message.buffer).setUint32(1, 4 + payload.length);
  message.set(payload, 5);
  return message;
}

/** A CopyDone message ('c'): ends the replication stream. */
export const copyDone: Uint8Array = Uint8Array.of(0x63, 0, 0, 0, 4);

/** A PostgreSQL timestamp (microseconds since 2000-01-01 UTC) as a Date (to the millisecond). */
export function pgTimeToDate(micros: bigint): Date {
  return new Date(Number((micros + pgEpochMicros) / 1000n));
}
