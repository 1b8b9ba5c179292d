// Encoders for a result's shape and rows: RowDescription and DataRow. DataRow is the hottest encoder
// (one per row of a merged result), so it measures and writes in two passes over the values with no
// intermediate arrays, copying short ASCII values without a call into the UTF-8 encoder.

import { allocMessage, cstringLength, utf8Length, writeCString, writeUtf8 } from './message-buffer.js';
import { BackendMessageType as B } from './message-types.js';

/** One column of a RowDescription, named after the spec's fields. */
export interface RowField {
  readonly name: string;
  /** OID of the table the column comes from, or 0. */
  readonly tableOid: number;
  /** Attribute number of the column in that table, or 0. */
  readonly columnNumber: number;
  /** OID of the column's data type. */
  readonly typeOid: number;
  /** pg_type.typlen: negative for variable-width types. */
  readonly typeSize: number;
  /** pg_attribute.atttypmod: type-specific, -1 when none. */
  readonly typeModifier: number;
  /** 0 = text, 1 = binary. */
  readonly format: number;
}

/** RowDescription: the columns of the rows that follow. */
export function encodeRowDescription(fields: readonly RowField[]): Uint8Array {
  let length = 2;
  for (const f of fields) length += cstringLength(f.name) + 18;
  const out = allocMessage(B.RowDescription, length);
  out.writeUInt16BE(fields.length, 5);
  let offset = 7;
  for (const f of fields) {
    offset = writeCString(out, f.name, offset);
    offset = out.writeUInt32BE(f.tableOid >>> 0, offset);
    offset = out.writeInt16BE(f.columnNumber, offset);
    offset = out.writeUInt32BE(f.typeOid >>> 0, offset);
    offset = out.writeInt16BE(f.typeSize, offset);
    offset = out.writeInt32BE(f.typeModifier, offset);
    offset = out.writeInt16BE(f.format, offset);
  }
  return out;
}

/** A column value: text (encoded as UTF-8), bytes as they are (binary format or pre-encoded text), or NULL. */
export type DataRowValue = string | Uint8Array | null;

/** DataRow: one row's values, in the column order of the RowDescription. */
export function encodeDataRow(values: readonly DataRowValue[]): Uint8Array {
  let length = 2;
  for (const v of values) {
    length += 4;
    if (v === null) continue;
    length += typeof v === 'string' ? utf8Length(v) : v.length;
  }
  const out = allocMessage(B.DataRow, length);
  out.writeUInt16BE(values.length, 5);
  let offset = 7;
  for (const v of values) {
    if (v === null) {
      offset = out.writeInt32BE(-1, offset);
    } else if (typeof v === 'string') {
      // Write the text first, then its length in the slot before it: no second byteLength pass.
      const written = writeUtf8(out, v, offset + 4);
      out.writeInt32BE(written, offset);
      offset += 4 + written;
    } else {
      out.writeInt32BE(v.length, offset);
      out.set(v, offset + 4);
      offset += 4 + v.length;
    }
  }
  return out;
}
