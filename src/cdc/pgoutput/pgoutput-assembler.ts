// Turns decoded pgoutput messages into ChangeEvents: keeps the tables' descriptions from Relation
// messages (so a new column shows up from the next change on), numbers the events of each
// transaction, fills unchanged TOASTed values from the old row, marks each transaction's last event,
// and picks up Switchyard's global transaction id from a transactional logical message. Pure.
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import type { ChangeEvent, ChangeOperation, ChangeRow, ChangeTransaction } from '../change-event.js';
import { type ChangePosition, positionAt, positionPrefix } from '../change-position.js';
import { type ColumnReaders, columnReaders, typedRow } from '../column-values.js';
import { globalTransactionPrefix } from '../global-transaction.js';
import { formatLsn } from '../lsn.js';
import {
  type OldTupleKind,
  type PgoutputMessage,
  type RelationColumn,
  type TupleValue,
  unchangedToast,
} from './pgoutput-message.js';
import { pgTimeToDate } from './replication-messages.js';

/** What the assembler reports when a transaction's Commit arrives. */
export interface CompletedTransaction {
  readonly commitLsn: bigint;
  /** Acknowledging this LSN tells the server the transaction is consumed. */
  readonly endLsn: bigint;
  readonly commitTime: Date;
  /** The position of its last event; null when it had none (it touched no published table). */
  readonly lastPosition: ChangePosition | null;
}

interface Relation {
  readonly schema: string;
  readonly table: string;
  readonly replicaIdentity: string;
  readonly readers: ColumnReaders;
  /** Per column: part of the replica identity key. */
  readonly key: readonly boolean[];
}

interface OpenTransaction {
  readonly finalLsn: bigint;
  /** `positionPrefix(finalLsn)`. */
  readonly prefix: string;
  transaction: ChangeTransaction;
  index: number;
}

type MutableEvent = { -readonly [K in keyof ChangeEvent]: ChangeEvent[K] };

/** Assembles one replication stream's events. */
export class PgoutputAssembler {
  readonly #relations = new Map<number, Relation>();
  #open: OpenTransaction | undefined;
  /** The latest event, held until we know whether it ends its transaction. */
  #pending: MutableEvent | undefined;

  /**
   * @param onWarning called once per table version whose replica identity is not FULL (its updates
   *   and deletes then carry only the key of the old row, or no old row at all)
   */
  constructor(
    readonly shard: string,
    readonly shardId: number,
    private readonly onWarning: (message: string) => void = () => {},
  ) {}

  /** True between a Begin and its Commit. */
  get inTransaction(): boolean {
    return this.#open !== undefined;
  }

  /**
   * Adds one message. Finished events are appended to `out`; the Commit returns its transaction.
   *
   * @throws CdcError 08P01 for messages out of order or naming a table no Relation described.
   */
  push(message: PgoutputMessage, out: ChangeEvent[]): CompletedTransaction | undefined {
    switch (message.tag) {
      case 'begin':
        if (this.#open) throw this.#invalid('a Begin inside a transaction');
        this.#open = {
          finalLsn: message.finalLsn,
          prefix: positionPrefix(message.finalLsn),
          index: 0,
          transaction: {
            id: String(message.xid),
            globalId: null,
            commitTime: pgTimeToDate(message.commitTime),
          },
        };
        return undefined;
      case 'commit': {
        const open = this.#requireOpen('Commit');
        if (message.commitLsn !== open.finalLsn) {
          throw this.#invalid(
            `a Commit at ${formatLsn(message.commitLsn)} for the transaction that began with final LSN ${formatLsn(open.finalLsn)}`,
          );
        }
        const last = this.#pending;
        if (last) {
          last.lastInTransaction = true;
          out.push(last);
          this.#pending = undefined;
        }
        this.#open = undefined;
        return {
          commitLsn: message.commitLsn,
          endLsn: message.endLsn,
          commitTime: open.transaction.commitTime,
          lastPosition: last ? last.position : null,
        };
      }
      case 'relation':
        this.#relations.set(message.relationId, this.#describe(message));
        return undefined;
      case 'message':
        if (message.transactional && message.prefix === globalTransactionPrefix) {
          const open = this.#requireOpen('Message');
          const globalId = Buffer.from(message.content).toString('utf8');
          open.transaction = { ...open.transaction, globalId };
        }
        return undefined;
      case 'insert': {
        const relation = this.#relation(message.relationId);
        this.#emit(out, 'insert', relation, null, this.#row(relation, message.new, null, 'insert'));
        return undefined;
      }
      case 'update': {
        const relation = this.#relation(message.relationId);
        const old = message.old ? this.#oldRow(relation, message.old, message.oldKind) : null;
        const oldFull = message.oldKind === 'O' ? message.old : null;
        this.#emit(out, 'update', relation, old, this.#row(relation, message.new, oldFull, 'update'));
        return undefined;
      }
      case 'delete': {
        const relation = this.#relation(message.relationId);
        this.#emit(out, 'delete', relation, this.#oldRow(relation, message.old, message.oldKind), null);
        return undefined;
      }
      case 'truncate':
        for (const id of message.relationIds) this.#emit(out, 'truncate', this.#relation(id), null, null);
        return undefined;
      case 'type':
      case 'origin':
        return undefined;
    }
  }

  #emit(
    out: ChangeEvent[],
    op: ChangeOperation,
    relation: Relation,
    old: ChangeRow | null,
    row: ChangeRow | null,
  ): void {
    const open = this.#requireOpen('row change');
    if (this.#pending) out.push(this.#pending);
    this.#pending = {
      shard: this.shard,
      shardId: this.shardId,
      position: positionAt(open.prefix, open.index++),
      transaction: open.transaction,
      op,
      schema: relation.schema,
      table: relation.table,
      columns: relation.readers.columns,
      old,
      new: row,
      lastInTransaction: false,
    };
  }

  #describe(message: Extract<PgoutputMessage, { tag: 'relation' }>): Relation {
    if (message.replicaIdentity !== 'f') {
      this.onWarning(
        `table ${message.schema}.${message.table} has replica identity ${describeIdentity(message.replicaIdentity)}, not FULL: its updates and deletes carry only the old row's key (or nothing); run ALTER TABLE ${message.schema}.${message.table} REPLICA IDENTITY FULL`,
      );
    }
    return {
      schema: message.schema,
      table: message.table,
      replicaIdentity: message.replicaIdentity,
      readers: columnReaders(
        message.columns.map((c: RelationColumn) => ({ name: c.name, typeOid: c.typeOid })),
      ),
      key: message.columns.map((c) => (c.flags & 1) === 1),
    };
  }

  /** The new row; an unchanged TOASTed value comes from the old row when the server sent it whole. */
  #row(
    relation: Relation,
    tuple: readonly TupleValue[],
    oldFull: readonly TupleValue[] | null,
    what: string,
  ): ChangeRow {
    const texts = tuple.map((value, i) => {
      if (value === unchangedToast) {
        const before = oldFull?.[i];
        return before === undefined || before === unchangedToast ? undefined : textOf(before);
      }
      return textOf(value);
    });
    return typedRow(relation.readers, texts, () => this.#where(relation, what));
  }

  /** The old row: whole ('O'), or only its key columns ('K': the others are not known). */
  #oldRow(relation: Relation, tuple: readonly TupleValue[], kind: OldTupleKind | null): ChangeRow {
    const texts = tuple.map((value, i) =>
      value === unchangedToast || (kind === 'K' && !relation.key[i]) ? undefined : textOf(value),
    );
    return typedRow(relation.readers, texts, () => this.#where(relation, 'old row'));
  }

  #relation(id: number): Relation {
    const relation = this.#relations.get(id);
    if (!relation)
      throw this.#invalid(`a change of relation ${id} before any Relation message describing it`);
    return relation;
  }

  #requireOpen(what: string): OpenTransaction {
    if (!this.#open) throw this.#invalid(`a ${what} outside a transaction`);
    return this.#open;
  }

  #where(relation: Relation, what: string): string {
    return `${what} of ${relation.schema}.${relation.table}`;
  }

  #invalid(what: string): CdcError {
    return new CdcError(CdcErrorCode.protocolViolation, `the replication stream sent ${what}`, {
      shard: this.shard,
    });
  }
}

/** Values come as text: the stream is started without the `binary` option. */
function textOf(value: string | Uint8Array | null): string | null {
  if (value === null || typeof value === 'string') return value;
  throw new CdcError(
    CdcErrorCode.protocolViolation,
    'the replication stream sent a binary value though text was asked for',
  );
}

function describeIdentity(code: string): string {
  return code === 'd' ? 'DEFAULT' : code === 'n' ? 'NOTHING' : code === 'i' ? 'USING INDEX' : code;
}
