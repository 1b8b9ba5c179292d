// Text and binary formats around a cross-shard read. The merge works on the shards' text values; a
// client that asks for binary results (Bind's result format codes) gets each merged value in the
// binary form PostgreSQL's send function gives it, and binary parameters are read into text for
// the merge (LIMIT $1, HAVING … > $2) as the server's receive function reads them.

import type { Frame } from '../../protocol/message-framer.js';
import type { TextRow } from '../../router/merge/merge-plan.js';
import { decodeBinary, encodeBinary, hasBinaryFormat } from '../../sql/values/binary-format.js';
import { pgType } from '../../sql/values/pg-type.js';
import { SqlState } from '../../util/errors.js';
import { type DataRowValue, decodeRowDescription, encodeRowDescription } from '../codec/index.js';
import type { BindParam } from './session-context.js';
import { SessionError } from './session-error.js';

const decoder = new TextDecoder();

/**
 * The format of each of `columnCount` columns from Bind's result format codes: none means text for
 * all, one applies to all, otherwise one per column (PostgreSQL's rule).
 *
 * @throws SessionError 08P01 when the count matches neither, 22023 for a code other than 0 or 1.
 */
export function columnFormats(resultFormats: readonly number[], columnCount: number): (0 | 1)[] {
  if (resultFormats.length > 1 && resultFormats.length !== columnCount) {
    throw new SessionError(
      SqlState.protocolViolation,
      `bind message has ${resultFormats.length} result formats but query has ${columnCount} columns`,
    );
  }
  const formats: (0 | 1)[] = [];
  for (let i = 0; i < columnCount; i++) {
    const code = resultFormats.length === 0 ? 0 : (resultFormats[resultFormats.length === 1 ? 0 : i] ?? 0);
    if (code !== 0 && code !== 1)
      throw new SessionError(SqlState.invalidParameterValue, `unsupported format code: ${code}`);
    formats.push(code);
  }
  return formats;
}

/** Turns a merged row into DataRow values in the client's formats. */
export type RowEncoder = (row: TextRow) => readonly DataRowValue[];

/** Text rows go out as they are. */
const asText: RowEncoder = (row) => row;

/**
 * The encoder for merged rows of `typeOids` in `formats`.
 *
 * @throws SessionError 0A000 when a binary column has a type Switchyard cannot send in binary.
 */
export function rowEncoder(typeOids: readonly number[], formats: readonly (0 | 1)[]): RowEncoder {
  const binary = formats.flatMap((f, i) => (f === 1 ? [i] : []));
  if (binary.length === 0) return asText;
  for (const i of binary) {
    const oid = typeOids[i] ?? 0;
    if (!hasBinaryFormat(oid)) {
      throw new SessionError(
        SqlState.featureNotSupported,
        `binary results of type ${typeName(oid)} from a cross-shard read are not supported`,
        { hint: 'ask for this column in text format, or cast it to a supported type' },
      );
    }
  }
  const types = binary.map((i) => pgType(typeOids[i] ?? 0));
  return (row) => {
    const out: DataRowValue[] = row.slice();
    for (let k = 0; k < binary.length; k++) {
      const i = binary[k]!;
      const text = row[i];
      if (text !== null && text !== undefined) {
        const type = types[k]!;
        out[i] = encodeBinary(type.oid, type.parse(text));
      }
    }
    return out;
  };
}

/** A RowDescription frame with its format codes set to `formats` (a portal's Describe reports them). */
export function withFormats(rowDescription: Frame, formats: readonly number[]): Uint8Array {
  const fields = decodeRowDescription(rowDescription);
  const columns = columnFormats(formats, fields.length);
  if (columns.every((f) => f === 0)) return rowDescription.raw;
  return encodeRowDescription(fields.map((f, i) => ({ ...f, format: columns[i] ?? 0 })));
}

/**
 * The client's parameter values as text, for the merge: binary ones read by their declared type.
 * A binary value whose type is not declared (or has no binary form here) is `undefined`: the
 * caller refuses the read only if the merge needs that parameter.
 */
export function paramTexts(params: readonly BindParam[]): (string | null | undefined)[] {
  return params.map((p) => {
    if (p.value === null) return null;
    if (p.format === 0) return decoder.decode(p.value);
    if (!p.typeOid || !hasBinaryFormat(p.typeOid)) return undefined;
    return pgType(p.typeOid).format(decodeBinary(p.typeOid, p.value));
  });
}

function typeName(oid: number): string {
  try {
    return pgType(oid).name;
  } catch {
    return `OID ${oid}`;
  }
}
