// Routing COPY … FROM STDIN into a sharded table row by row: the session feeds each CopyData
// message in and sends each row's bytes on to the shard of its key, as an ordinary COPY of that
// shard's table.
import type { KeyType, KeyValue } from '../keyspace/key-type.js';
import { BinaryCopyParser } from './copy-binary-parser.js';
import { CsvLineFormat } from './copy-csv-format.js';
import { LineCopyParser } from './copy-line-parser.js';
import type { CopyKeyField, CopyPiece, CopyRowParser } from './copy-piece.js';
import type { CopyFormat, CopyPlan } from './copy-plan.js';
import { TextLineFormat } from './copy-text-format.js';
import { decodeKeyParam } from './key-param.js';
import { quoted } from './refusals.js';
import type { RouteResolver, TableKeyResolver } from './route-resolver.js';
import { RoutingError } from './routing-error.js';

/** A piece of COPY data and where it goes. */
export type RoutedCopyPiece =
  /** Send to every shard's COPY before its first row (a header line, the binary file header). */
  | { readonly type: 'prologue'; readonly bytes: Uint8Array }
  | { readonly type: 'row'; readonly shard: string; readonly bytes: Uint8Array }
  /** Send to every shard's COPY after its last row (the binary trailer). */
  | { readonly type: 'epilogue'; readonly bytes: Uint8Array };

/**
 * Where each shard key column sits in a COPY row when the statement lists no columns: its index in
 * the table's column order (as the shard reports it, e.g. from a `SELECT * … LIMIT 0` description).
 *
 * @throws RoutingError 42703 when the table has no such column.
 */
export function copyKeyPositions(tableColumns: readonly string[], keyColumns: readonly string[]): number[] {
  return keyColumns.map((column) => {
    const position = tableColumns.indexOf(column);
    if (position < 0) {
      throw new RoutingError('42703', `shard key column ${quoted(column)} is not a column of the table`);
    }
    return position;
  });
}

/** A parser for `format`, reading the fields at `positions` (named `names` in messages). */
export function copyRowParser(
  format: CopyFormat,
  positions: readonly number[],
  names: readonly string[],
): CopyRowParser {
  switch (format.format) {
    case 'binary':
      return new BinaryCopyParser(positions, names);
    case 'csv':
      return new LineCopyParser(format, new CsvLineFormat(format, positions, names));
    default:
      return new LineCopyParser(format, new TextLineFormat(format, positions, names));
  }
}

/**
 * Cuts a COPY data stream into rows and names each row's shard.
 *
 * @example
 *   const router = new CopyInRouter(plan.copy, routeResolverFor(catalog));
 *   for (const piece of router.push(copyData)) send(piece);
 *   for (const piece of router.finish()) send(piece); // at CopyDone
 */
export class CopyInRouter {
  private readonly parser: CopyRowParser;
  private readonly table: TableKeyResolver;
  private readonly keyColumns: readonly string[];

  /** `tableColumns`: the table's columns in order, needed when the COPY lists no columns. */
  constructor(copy: CopyPlan, resolver: RouteResolver, tableColumns?: readonly string[]) {
    if (copy.table === undefined || copy.keyColumns === undefined) {
      throw new TypeError('CopyInRouter routes COPY FROM STDIN into a sharded table only');
    }
    this.keyColumns = copy.keyColumns;
    let positions = copy.keyPositions;
    if (positions === undefined) {
      if (!tableColumns) throw new TypeError('the COPY lists no columns: pass the table columns in order');
      positions = copyKeyPositions(tableColumns, copy.keyColumns);
    }
    this.table = resolver.table(copy.table);
    this.parser = copyRowParser(copy.format, positions, copy.keyColumns);
  }

  /** The pieces completed by one CopyData message. */
  push(chunk: Uint8Array): RoutedCopyPiece[] {
    return this.parser.push(chunk).map((p) => this.route(p));
  }

  /** The pieces left at CopyDone. */
  finish(): RoutedCopyPiece[] {
    return this.parser.finish().map((p) => this.route(p));
  }

  private route(piece: CopyPiece): RoutedCopyPiece {
    if (piece.type !== 'row') return piece;
    const values = piece.keys.map((field, i) => this.keyValue(field, i));
    return { type: 'row', shard: this.table.shardOf(values), bytes: piece.bytes };
  }

  private keyValue(field: CopyKeyField, i: number): KeyValue {
    const type = this.table.keyTypes[i] as KeyType;
    if (field === null) {
      throw new RoutingError(
        '23502',
        `a COPY row has a NULL shard key (${quoted(this.keyColumns[i] ?? '')}): rows with a NULL shard key cannot be placed on any shard`,
        'give every row a shard key value',
      );
    }
    return typeof field === 'string' ? field : decodeKeyParam(field, 1, type);
  }
}
