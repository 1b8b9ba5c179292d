// Changelog rows → ChangeEvents. Pure: rows and table versions in, events out.
import type { Row } from '../../backend/shard-backend.js';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import type { ChangeEvent, ChangeOperation, ChangeTransaction } from '../change-event.js';
import { changePosition } from '../change-position.js';
import { type ColumnReaders, columnReaders, typedRow } from '../column-values.js';
import { parseRecordText } from '../record-text.js';

/** One version of a captured table: its name and columns when its triggers were made. */
export interface TableVersion {
  readonly schema: string;
  readonly table: string;
  readonly readers: ColumnReaders;
}

/** A row of `readRelationsSql` as a version number and TableVersion. */
export function tableVersionOf(row: Row): [number, TableVersion] {
  const [version, schema, table, names, types] = row;
  const columnNames = JSON.parse(names!) as string[];
  const columnTypes = JSON.parse(types!) as number[];
  return [
    Number(version),
    {
      schema: schema!,
      table: table!,
      readers: columnReaders(columnNames.map((name, i) => ({ name, typeOid: columnTypes[i]! }))),
    },
  ];
}

const operations: Record<string, ChangeOperation> = { I: 'insert', U: 'update', D: 'delete', T: 'truncate' };

/**
 * The events of changelog `rows` (of `readChangelogSql`), in order. `more` says whether the row after
 * the last one was fetched too (as a lookahead: it is not turned into an event): the last event ends
 * its transaction when the lookahead belongs to another transaction, or when there is none (every
 * row the reader sees is committed).
 *
 * @throws CdcError 08P01 for a row of a table version not in `versions` or a malformed row.
 */
export function changelogEvents(
  shard: string,
  shardId: number,
  rows: readonly Row[],
  more: boolean,
  versions: ReadonlyMap<number, TableVersion>,
): ChangeEvent[] {
  const count = more ? rows.length - 1 : rows.length;
  const events: ChangeEvent[] = [];
  let transaction: ChangeTransaction | undefined;
  for (let i = 0; i < count; i++) {
    const [id, xid, gid, startedMicros, relation, op, oldText, newText] = rows[i]!;
    const version = versions.get(Number(relation));
    const operation = operations[op!];
    if (!version || !operation) {
      throw new CdcError(
        CdcErrorCode.protocolViolation,
        `changelog row ${id} names table version ${relation} and operation ${op}, which the changelog does not describe`,
        { shard },
      );
    }
    if (!transaction || transaction.id !== xid || transaction.globalId !== (gid ?? null)) {
      transaction = {
        id: xid!,
        globalId: gid ?? null,
        commitTime: new Date(Number(BigInt(startedMicros!) / 1000n)),
      };
    }
    const where = () => `changelog row ${id} (${version.schema}.${version.table})`;
    const next = rows[i + 1];
    events.push({
      shard,
      shardId,
      position: changePosition(BigInt(id!), 0),
      transaction,
      op: operation,
      schema: version.schema,
      table: version.table,
      columns: version.readers.columns,
      old: oldText == null ? null : typedRow(version.readers, parseRecordText(oldText), where),
      new: newText == null ? null : typedRow(version.readers, parseRecordText(newText), where),
      lastInTransaction: next === undefined || next[1] !== xid,
    });
  }
  return events;
}
