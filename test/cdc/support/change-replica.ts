// A consumer for the cdc suites that checks what it receives: it keeps each shard's copy of each
// table from the events alone, and refuses an event that does not fit (an insert of a key it
// already has, an update or delete whose old row differs from its copy, a position not after the
// last one, a transaction whose last event is not marked). At the end its copies must equal the
// shards' tables.
import { isDeepStrictEqual } from 'node:util';
import type { ShardBackend } from '../../../src/backend/shard-backend.js';
import { ChangeDeduplicator } from '../../../src/cdc/change-deduplicator.js';
import type { ChangeEvent, ChangeRow } from '../../../src/cdc/change-event.js';
import { qualifiedTable } from '../../../src/cdc/change-event.js';
import { isSupportedType, pgType } from '../../../src/sql/values/pg-type.js';
import type { PgValue } from '../../../src/sql/values/pg-value.js';

type Rows = Map<string, ChangeRow>;

/** What a consumer holds: copies of tables, and the positions it applied (its checkpoint). */
export class ChangeReplica {
  /** shard → table → key → row */
  tables = new Map<string, Map<string, Rows>>();
  seen = new ChangeDeduplicator();
  /** Events applied (duplicates excluded). */
  applied = 0;
  /** Events applied per table (catalog-style name). */
  appliedTo = new Map<string, number>();
  /** Events received again and dropped by position. */
  duplicates = 0;
  readonly #last = new Map<string, ChangeEvent>();

  /** @param keys the key columns of each table (catalog-style name) */
  constructor(readonly keys: Readonly<Record<string, readonly string[]>>) {}

  /** Applies a batch; throws on the first event that does not fit. */
  apply(events: readonly ChangeEvent[]): void {
    for (const event of events) {
      if (!this.seen.accept(event)) {
        this.duplicates++;
        continue;
      }
      this.#checkBoundary(event);
      const table = qualifiedTable(event);
      const key = this.keys[table];
      if (!key) continue;
      const rows = this.#rows(event.shard, table);
      const where = `${event.op} at ${event.position} on ${event.shard} (${table})`;
      switch (event.op) {
        case 'insert': {
          const k = keyOf(key, event.new!);
          if (rows.has(k))
            throw new Error(`${where}: key ${k} is already there (a duplicate or out of order)`);
          rows.set(k, event.new!);
          break;
        }
        case 'update':
        case 'delete': {
          const k = keyOf(key, event.old!);
          const before = rows.get(k);
          if (!before) throw new Error(`${where}: key ${k} is not there`);
          // A column added since the copy was made reads as NULL in it, as in the table.
          const widened = { ...Object.fromEntries(event.columns.map((c) => [c.name, null])), ...before };
          if (!isDeepStrictEqual(widened, { ...event.old })) {
            throw new Error(`${where}: old row ${show(event.old)} differs from the copy ${show(before)}`);
          }
          rows.delete(k);
          if (event.op === 'update') rows.set(keyOf(key, event.new!), event.new!);
          break;
        }
        case 'truncate':
          rows.clear();
          break;
      }
      this.applied++;
      this.appliedTo.set(table, (this.appliedTo.get(table) ?? 0) + 1);
    }
  }

  /** A deep copy, as a consumer's persisted state. */
  checkpoint(): ChangeReplica {
    const copy = new ChangeReplica(this.keys);
    copy.tables = new Map(
      [...this.tables].map(([s, t]) => [s, new Map([...t].map(([n, r]) => [n, new Map(r)]))]),
    );
    copy.seen = new ChangeDeduplicator(this.seen.positions());
    copy.applied = this.applied;
    copy.appliedTo = new Map(this.appliedTo);
    return copy;
  }

  /** Throws unless the copy of `table` on each shard equals the shard's table. */
  async verify(shards: readonly ShardBackend[], table: string): Promise<number> {
    let total = 0;
    const key = this.keys[table]!;
    for (const shard of shards) {
      const { fields, rows } = await shard.query(`SELECT * FROM ${table}`);
      const actual = new Map<string, ChangeRow>();
      for (const row of rows) {
        const typed: Record<string, PgValue> = Object.create(null);
        fields.forEach((f, i) => {
          const text = row[i];
          typed[f.name] =
            text == null ? null : isSupportedType(f.dataTypeID) ? pgType(f.dataTypeID).parse(text) : text;
        });
        actual.set(keyOf(key, typed), typed);
      }
      const copy = this.#rows(shard.shard, table);
      for (const [k, row] of actual) {
        const mine = copy.get(k);
        if (!mine) throw new Error(`${shard.shard}: row ${k} of ${table} never arrived as a change`);
        if (
          !isDeepStrictEqual(
            { ...Object.fromEntries(fields.map((f) => [f.name, null])), ...mine },
            { ...row },
          )
        ) {
          throw new Error(
            `${shard.shard}: row ${k} of ${table} is ${show(row)} but the changes made it ${show(mine)}`,
          );
        }
      }
      for (const k of copy.keys()) {
        if (!actual.has(k))
          throw new Error(`${shard.shard}: the changes kept row ${k} of ${table}, which is gone`);
      }
      total += actual.size;
    }
    return total;
  }

  #rows(shard: string, table: string): Rows {
    let tables = this.tables.get(shard);
    if (!tables) {
      tables = new Map();
      this.tables.set(shard, tables);
    }
    let rows = tables.get(table);
    if (!rows) {
      rows = new Map();
      tables.set(table, rows);
    }
    return rows;
  }

  /** A transaction's events are contiguous and its last one is marked. */
  #checkBoundary(event: ChangeEvent): void {
    const last = this.#last.get(event.shard);
    this.#last.set(event.shard, event);
    if (!last) return;
    const same = last.transaction.id === event.transaction.id;
    if (same && last.lastInTransaction) {
      throw new Error(`${event.position}: transaction ${event.transaction.id} goes on after its last event`);
    }
    if (!same && !last.lastInTransaction) {
      throw new Error(
        `${last.position}: transaction ${last.transaction.id} ended without its last event marked`,
      );
    }
  }
}

function keyOf(columns: readonly string[], row: ChangeRow): string {
  return columns.map((c) => String(row[c])).join('|');
}

function show(row: unknown): string {
  return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}
