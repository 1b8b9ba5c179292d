// Reads the few backend messages the session must look into while it relays a shard's answers:
// ReadyForQuery (transaction status), ErrorResponse / NoticeResponse (fields), CommandComplete (tag),
// RowDescription (columns, for merging) and ParameterStatus. Everything else is forwarded unread.
import type { Frame } from '../../protocol/message-framer.js';
import { ByteReader } from './byte-reader.js';
import { type NoticeFields, noticeFieldCodes } from './encode-error-response.js';
import type { RowField } from './encode-row-messages.js';
import type { TransactionStatus } from './encode-status-messages.js';
import { BackendMessageType as B, describeTypeByte } from './message-types.js';
import { ProtocolError } from './protocol-error.js';

const keyByCode = new Map<number, keyof NoticeFields>(noticeFieldCodes);

function expectType(frame: Frame, type: number, name: string): ByteReader {
  if (frame.type !== type) {
    throw new ProtocolError(`expected ${name}, got backend message type ${describeTypeByte(frame.type)}`);
  }
  return new ByteReader(frame.body, name);
}

/** The transaction status of a ReadyForQuery. */
export function decodeReadyForQuery(frame: Frame): TransactionStatus {
  const reader = expectType(frame, B.ReadyForQuery, 'ReadyForQuery');
  const status = String.fromCharCode(reader.byte());
  reader.end();
  if (status !== 'I' && status !== 'T' && status !== 'E') throw reader.error(`unknown status '${status}'`);
  return status;
}

/**
 * The fields of an ErrorResponse or a NoticeResponse. Fields of unknown type are skipped, as the spec
 * asks of clients; `severity` is the non-localized V when present, else S.
 */
export function decodeNoticeFields(frame: Frame): NoticeFields {
  if (frame.type !== B.ErrorResponse && frame.type !== B.NoticeResponse) {
    throw new ProtocolError(
      `expected ErrorResponse or NoticeResponse, got backend message type ${describeTypeByte(frame.type)}`,
    );
  }
  const reader = new ByteReader(
    frame.body,
    frame.type === B.ErrorResponse ? 'ErrorResponse' : 'NoticeResponse',
  );
  const fields: Record<string, string> = {};
  for (;;) {
    const code = reader.byte();
    if (code === 0) break;
    const value = reader.cstring();
    const key = keyByCode.get(code);
    if (key) fields[key] = value;
  }
  reader.end();
  const localized = fields.localizedSeverity;
  const severity = fields.severity ?? localized ?? 'ERROR';
  if (localized === severity) delete fields.localizedSeverity;
  return { ...fields, severity, code: fields.code ?? '', message: fields.message ?? '' };
}

/** The tag of a CommandComplete, e.g. `INSERT 0 3`. */
export function decodeCommandComplete(frame: Frame): string {
  const reader = expectType(frame, B.CommandComplete, 'CommandComplete');
  const tag = reader.cstring();
  reader.end();
  return tag;
}

/** The columns of a RowDescription. */
export function decodeRowDescription(frame: Frame): RowField[] {
  const reader = expectType(frame, B.RowDescription, 'RowDescription');
  const count = reader.count16();
  const fields: RowField[] = new Array(count);
  for (let i = 0; i < count; i++) {
    fields[i] = {
      name: reader.cstring(),
      tableOid: reader.uint32(),
      columnNumber: reader.int16(),
      typeOid: reader.uint32(),
      typeSize: reader.int16(),
      typeModifier: reader.int32(),
      format: reader.int16(),
    };
  }
  reader.end();
  return fields;
}

/** The name and value of a ParameterStatus. */
export function decodeParameterStatus(frame: Frame): { readonly name: string; readonly value: string } {
  const reader = expectType(frame, B.ParameterStatus, 'ParameterStatus');
  const name = reader.cstring();
  const value = reader.cstring();
  reader.end();
  return { name, value };
}

/** The values of a DataRow, as views into the frame (null = SQL NULL), for merging rows from shards. */
export function decodeDataRow(frame: Frame): (Uint8Array | null)[] {
  const reader = expectType(frame, B.DataRow, 'DataRow');
  const count = reader.count16();
  const values: (Uint8Array | null)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = reader.int32();
    if (length < -1) throw reader.error(`invalid length ${length} of column ${i + 1}`);
    values[i] = length === -1 ? null : reader.bytes(length);
  }
  reader.end();
  return values;
}
