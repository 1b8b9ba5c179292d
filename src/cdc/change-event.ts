// What change capture delivers: one event per row change (or per truncated table), the same shape
// from PostgreSQL shards (logical replication) and PGlite shards (trigger changelog).
import type { PgValue } from '../sql/values/pg-value.js';
import type { ChangePosition } from './change-position.js';

/** What happened to the row. `truncate` removed every row of the table (old and new are null). */
export type ChangeOperation = 'insert' | 'update' | 'delete' | 'truncate';

/** A column of the changed table, as it was when the change was made. */
export interface ChangeColumn {
  readonly name: string;
  /** `pg_type.oid` of the column's type. */
  readonly typeOid: number;
}

/**
 * A row as column name → value. Values are typed by the column's type OID as `src/sql/values`
 * reads them (int8 → bigint, numeric → PgNumeric, timestamptz → microseconds since 2000, …); a type
 * those do not know (enums, domains, geometric types, …) is kept as PostgreSQL's text. A column is
 * absent only when the server did not send it: an unchanged TOASTed value of a table whose replica
 * identity is not FULL (Switchyard sets FULL on every table it captures).
 */
export type ChangeRow = Readonly<Record<string, PgValue>>;

/** The transaction an event belongs to; every event of one transaction carries equal fields. */
export interface ChangeTransaction {
  /** The shard's transaction id (xid; xid8 on PGlite), as decimal text. */
  readonly id: string;
  /**
   * Switchyard's global transaction id when the transaction is one shard's part of a distributed
   * (two-phase) transaction that was tagged with `tagGlobalTransaction` before its first write;
   * null otherwise. Consumers group a distributed transaction's parts across shards by it.
   */
  readonly globalId: string | null;
  /**
   * When it committed (PostgreSQL). PGlite shards record when the transaction started: a trigger
   * cannot see the commit time.
   */
  readonly commitTime: Date;
}

/**
 * One committed change.
 *
 * @example
 *   // UPDATE tasks SET status = 'done' WHERE tenant_id = 7 AND id = 3, on shard s1:
 *   {
 *     shard: 's1', shardId: 1, position: '00000000016B3A48/00000000',
 *     transaction: { id: '747', globalId: null, commitTime: new Date('2025-01-01T12:00:00Z') },
 *     op: 'update', schema: 'public', table: 'tasks', columns: [...],
 *     old: { tenant_id: 7n, id: 3n, status: 'todo' }, new: { tenant_id: 7n, id: 3n, status: 'done' },
 *     lastInTransaction: true,
 *   }
 */
export interface ChangeEvent {
  /** The shard's name in the catalog. */
  readonly shard: string;
  /** The shard's id in the catalog (`ShardInfo.id`). */
  readonly shardId: number;
  /** Increases strictly with every event of the shard, in commit order. */
  readonly position: ChangePosition;
  readonly transaction: ChangeTransaction;
  readonly op: ChangeOperation;
  readonly schema: string;
  /** The table's name, without its schema. */
  readonly table: string;
  /** The table's columns when the change was made (a later ALTER TABLE does not change them). */
  readonly columns: readonly ChangeColumn[];
  /** The row before an update or delete; null for insert and truncate. */
  readonly old: ChangeRow | null;
  /** The row after an insert or update; null for delete and truncate. */
  readonly new: ChangeRow | null;
  /** True for the last event of its transaction: a consumer may apply the transaction as a whole. */
  readonly lastInTransaction: boolean;
}

/** The table's name as the catalog keys it: bare in `public`, `schema.table` elsewhere. */
export function qualifiedTable(event: Pick<ChangeEvent, 'schema' | 'table'>): string {
  return event.schema === 'public' ? event.table : `${event.schema}.${event.table}`;
}
