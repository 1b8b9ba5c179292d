// Typed values of a changed row: each column's text (as its type's output function prints it) read
// by the column's type OID with src/sql/values. Types those do not know stay text.
import { isSupportedType, pgType } from '../sql/values/pg-type.js';
import type { PgValue } from '../sql/values/pg-value.js';
import { CdcError, CdcErrorCode } from './cdc-error.js';
import type { ChangeColumn, ChangeRow } from './change-event.js';

/** Reads one column's text. */
export type ValueReader = (text: string) => PgValue;

const keepText: ValueReader = (text) => text;

/** The reader for values of type `typeOid`: its sql/values parser, or the text itself for other types. */
export function valueReaderFor(typeOid: number): ValueReader {
  return isSupportedType(typeOid) ? pgType(typeOid).parse : keepText;
}

/** A table's columns with their readers, built once per table version. */
export interface ColumnReaders {
  readonly columns: readonly ChangeColumn[];
  readonly readers: readonly ValueReader[];
}

/** Readers for `columns`. */
export function columnReaders(columns: readonly ChangeColumn[]): ColumnReaders {
  return { columns, readers: columns.map((c) => valueReaderFor(c.typeOid)) };
}

/**
 * The row of `texts` (one per column; null is SQL NULL, undefined a value the server did not send).
 *
 * @throws CdcError 08P01 when the field count differs from the column count, or a value does not
 *   read as its column's type (the message names the column and type, never the value).
 */
export function typedRow(
  readers: ColumnReaders,
  texts: readonly (string | null | undefined)[],
  where: () => string,
): ChangeRow {
  const { columns } = readers;
  if (texts.length !== columns.length) {
    throw new CdcError(
      CdcErrorCode.protocolViolation,
      `${where()}: a row has ${texts.length} values but the table has ${columns.length} columns`,
    );
  }
  const row: Record<string, PgValue> = {};
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (text === undefined) continue;
    const column = columns[i]!;
    let value: PgValue;
    try {
      value = text === null ? null : readers.readers[i]!(text);
    } catch {
      // The parser's own message quotes the value; row values stay out of errors.
      throw new CdcError(
        CdcErrorCode.protocolViolation,
        `${where()}: the value of column "${column.name}" does not read as type OID ${column.typeOid}`,
      );
    }
    // A plain object keeps V8's fast property layout; only a column named "__proto__" needs care.
    if (column.name === '__proto__')
      Object.defineProperty(row, '__proto__', { value, enumerable: true, writable: true });
    else row[column.name] = value;
  }
  return row;
}
