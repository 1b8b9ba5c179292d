// Encoders for ErrorResponse and NoticeResponse with every field the protocol defines
// (https://www.postgresql.org/docs/current/protocol-error-fields.html). Field names follow
// node-postgres's DatabaseError, so an error read from a shard can be passed on as it came.

import { allocMessage, cstringLength, writeCString } from './message-buffer.js';
import { BackendMessageType as B } from './message-types.js';

/** Severities (the non-localized V field). */
export type Severity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** The fields of an ErrorResponse or NoticeResponse. Numbers are sent as decimal text. */
export interface NoticeFields {
  /** V, and S unless `localizedSeverity` is given. */
  readonly severity: Severity | string;
  /** S when it differs from the non-localized severity. */
  readonly localizedSeverity?: string;
  /** C: the SQLSTATE. */
  readonly code: string;
  /** M: one terse line. */
  readonly message: string;
  /** D */
  readonly detail?: string;
  /** H */
  readonly hint?: string;
  /** P: 1-based character position in the query string. */
  readonly position?: string | number;
  /** p */
  readonly internalPosition?: string | number;
  /** q */
  readonly internalQuery?: string;
  /** W */
  readonly where?: string;
  /** s */
  readonly schema?: string;
  /** t */
  readonly table?: string;
  /** c */
  readonly column?: string;
  /** d */
  readonly dataType?: string;
  /** n */
  readonly constraint?: string;
  /** F */
  readonly file?: string;
  /** L */
  readonly line?: string | number;
  /** R */
  readonly routine?: string;
}

/** Field code byte → NoticeFields key, in the order PostgreSQL sends them. */
export const noticeFieldCodes: readonly (readonly [number, keyof NoticeFields])[] = [
  [0x53, 'localizedSeverity'], // S (falls back to severity)
  [0x56, 'severity'], // V
  [0x43, 'code'], // C
  [0x4d, 'message'], // M
  [0x44, 'detail'], // D
  [0x48, 'hint'], // H
  [0x50, 'position'], // P
  [0x70, 'internalPosition'], // p
  [0x71, 'internalQuery'], // q
  [0x57, 'where'], // W
  [0x73, 'schema'], // s
  [0x74, 'table'], // t
  [0x63, 'column'], // c
  [0x64, 'dataType'], // d
  [0x6e, 'constraint'], // n
  [0x46, 'file'], // F
  [0x4c, 'line'], // L
  [0x52, 'routine'], // R
];

/** ErrorResponse. A FATAL one is followed by the server closing the connection. */
export function encodeErrorResponse(fields: NoticeFields): Uint8Array {
  return encodeFields(B.ErrorResponse, fields);
}

/** NoticeResponse (severity WARNING, NOTICE, DEBUG, INFO or LOG). */
export function encodeNoticeResponse(fields: NoticeFields): Uint8Array {
  return encodeFields(B.NoticeResponse, fields);
}

function fieldValue(fields: NoticeFields, key: keyof NoticeFields): string | undefined {
  const value = key === 'localizedSeverity' ? (fields.localizedSeverity ?? fields.severity) : fields[key];
  return value === undefined ? undefined : String(value);
}

function encodeFields(type: number, fields: NoticeFields): Uint8Array {
  let length = 1;
  for (const [, key] of noticeFieldCodes) {
    const value = fieldValue(fields, key);
    if (value !== undefined) length += 1 + cstringLength(value);
  }
  const out = allocMessage(type, length);
  let offset = 5;
  for (const [code, key] of noticeFieldCodes) {
    const value = fieldValue(fields, key);
    if (value === undefined) continue;
    out[offset++] = code;
    offset = writeCString(out, value, offset);
  }
  out[offset] = 0;
  return out;
}
