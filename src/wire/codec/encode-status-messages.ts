// Encoders for the messages that describe the session rather than a query's result: ParameterStatus,
// BackendKeyData, ReadyForQuery, NegotiateProtocolVersion and NotificationResponse.

import { allocMessage, cstringLength, writeCString } from './message-buffer.js';
import { BackendMessageType as B } from './message-types.js';

/** A session's transaction status: idle, in a transaction block, or in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E';

function readyForQuery(status: TransactionStatus): Uint8Array {
  const out = allocMessage(B.ReadyForQuery, 1);
  out[5] = status.charCodeAt(0);
  return out;
}

const ready = { I: readyForQuery('I'), T: readyForQuery('T'), E: readyForQuery('E') } as const;

/** ReadyForQuery with the transaction status. A shared constant per status: do not modify it. */
export function encodeReadyForQuery(status: TransactionStatus): Uint8Array {
  return ready[status];
}

/** ParameterStatus: the current value of a run-time parameter the client tracks (e.g. TimeZone). */
export function encodeParameterStatus(name: string, value: string): Uint8Array {
  const out = allocMessage(B.ParameterStatus, cstringLength(name) + cstringLength(value));
  writeCString(out, value, writeCString(out, name, 5));
  return out;
}

/** BackendKeyData: the process id and secret key a client quotes in a CancelRequest. */
export function encodeBackendKeyData(processId: number, secretKey: number): Uint8Array {
  const out = allocMessage(B.BackendKeyData, 8);
  out.writeInt32BE(processId, 5);
  out.writeInt32BE(secretKey, 9);
  return out;
}

/**
 * NegotiateProtocolVersion: the newest protocol version the server supports for the requested major
 * version (e.g. 196608 for 3.0), and the `_pq_.` options of the StartupMessage it did not recognise.
 */
export function encodeNegotiateProtocolVersion(
  newestVersion: number,
  unrecognizedOptions: readonly string[],
): Uint8Array {
  let length = 8;
  for (const option of unrecognizedOptions) length += cstringLength(option);
  const out = allocMessage(B.NegotiateProtocolVersion, length);
  out.writeInt32BE(newestVersion, 5);
  out.writeInt32BE(unrecognizedOptions.length, 9);
  let offset = 13;
  for (const option of unrecognizedOptions) offset = writeCString(out, option, offset);
  return out;
}

/** NotificationResponse: a NOTIFY on `channel` from the session with `processId`. */
export function encodeNotificationResponse(processId: number, channel: string, payload: string): Uint8Array {
  const out = allocMessage(B.NotificationResponse, 4 + cstringLength(channel) + cstringLength(payload));
  out.writeInt32BE(processId, 5);
  writeCString(out, payload, writeCString(out, channel, 9));
  return out;
}
