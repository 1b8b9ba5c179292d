import { describe, expect, it } from 'vitest';
import {
  begin,
  commit,
  del,
  insert,
  logicalMessage,
  relation,
  truncate,
  update,
} from '../../../test/cdc/support/pgoutput-bytes.js';
import { PgNumeric } from '../../sql/values/pg-numeric.js';
import type { ChangeEvent } from '../change-event.js';
import { changePosition } from '../change-position.js';
import { decodePgoutput } from './decode-pgoutput.js';
import { type CompletedTransaction, PgoutputAssembler } from './pgoutput-assembler.js';

const columns: [string, number, boolean?][] = [
  ['id', 20, true],
  ['title', 25],
  ['price', 1700],
];

function run(assembler: PgoutputAssembler, messages: readonly Uint8Array[]) {
  const events: ChangeEvent[] = [];
  const done: CompletedTransaction[] = [];
  for (const bytes of messages) {
    const completed = assembler.push(decodePgoutput(bytes), events);
    if (completed) done.push(completed);
  }
  return { events, done };
}

describe('PgoutputAssembler', () => {
  it('numbers events by commit LSN and index, types values, marks the last event', () => {
    const assembler = new PgoutputAssembler('s1', 1);
    const { events, done } = run(assembler, [
      begin(0x500n, 747, 1_000_000n),
      relation(16384, 'public', 'items', columns),
      insert(16384, ['1', 'pen', '1.50']),
      update(16384, ['1', 'pen', '1.50'], ['1', 'ink pen', '2.00']),
      del(16384, ['1', 'ink pen', '2.00']),
      commit(0x500n, 0x540n, 1_000_000n),
    ]);
    expect(events.map((e) => [e.position, e.op, e.lastInTransaction])).toEqual([
      [changePosition(0x500n, 0), 'insert', false],
      [changePosition(0x500n, 1), 'update', false],
      [changePosition(0x500n, 2), 'delete', true],
    ]);
    const [ins, upd, dele] = events;
    expect(ins).toMatchObject({
      shard: 's1',
      shardId: 1,
      schema: 'public',
      table: 'items',
      old: null,
      transaction: { id: '747', globalId: null, commitTime: new Date('2000-01-01T00:00:01Z') },
    });
    expect(ins!.new).toEqual({ id: 1n, title: 'pen', price: PgNumeric.parse('1.50') });
    expect(upd!.old).toEqual({ id: 1n, title: 'pen', price: PgNumeric.parse('1.50') });
    expect(upd!.new).toEqual({ id: 1n, title: 'ink pen', price: PgNumeric.parse('2.00') });
    expect(dele).toMatchObject({ new: null });
    expect(dele!.old).toEqual({ id: 1n, title: 'ink pen', price: PgNumeric.parse('2.00') });
    expect(done).toEqual([
      {
        commitLsn: 0x500n,
        endLsn: 0x540n,
        commitTime: new Date('2000-01-01T00:00:01Z'),
        lastPosition: changePosition(0x500n, 2),
      },
    ]);
    expect(assembler.inTransaction).toBe(false);
  });

  it('holds the last event until the Commit arrives', () => {
    const assembler = new PgoutputAssembler('s0', 0);
    const first = run(assembler, [
      begin(9n, 1),
      relation(1, 'public', 't', columns),
      insert(1, ['1', 'a', '1']),
    ]);
    expect(first.events).toEqual([]);
    expect(assembler.inTransaction).toBe(true);
    const second = run(assembler, [commit(9n, 10n)]);
    expect(second.events.map((e) => e.lastInTransaction)).toEqual([true]);
  });

  it('picks up new columns from a later Relation message', () => {
    const assembler = new PgoutputAssembler('s0', 0);
    const { events } = run(assembler, [
      begin(1n, 1),
      relation(1, 'public', 't', [['id', 23, true]]),
      insert(1, ['1']),
      commit(1n, 2n),
      begin(3n, 2),
      relation(1, 'public', 't', [
        ['id', 23, true],
        ['note', 25],
      ]),
      insert(1, ['2', 'hello']),
      commit(3n, 4n),
    ]);
    expect(events.map((e) => e.new)).toEqual([{ id: 1 }, { id: 2, note: 'hello' }]);
    expect(events[1]!.columns.map((c) => c.name)).toEqual(['id', 'note']);
  });

  it('fills an unchanged TOASTed value from the full old row, and leaves unknown values out', () => {
    const assembler = new PgoutputAssembler('s0', 0);
    const warnings: string[] = [];
    const withKey = new PgoutputAssembler('s0', 0, (w) => warnings.push(w));
    const { events } = run(assembler, [
      begin(1n, 1),
      relation(1, 'public', 't', columns),
      update(1, ['1', 'long text', '1'], ['1', { unchanged: true }, '2']),
      commit(1n, 2n),
    ]);
    expect(events[0]!.new).toEqual({ id: 1n, title: 'long text', price: PgNumeric.parse('2') });
    const keyed = run(withKey, [
      begin(1n, 1),
      relation(1, 'public', 't', columns, 'd'),
      update(1, ['1', null, null], ['1', { unchanged: true }, '2'], 'K'),
      del(1, ['1', null, null], 'K'),
      commit(1n, 2n),
    ]);
    expect(keyed.events[0]!.old).toEqual({ id: 1n });
    expect(keyed.events[0]!.new).toEqual({ id: 1n, price: PgNumeric.parse('2') });
    expect(keyed.events[1]!.old).toEqual({ id: 1n });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/replica identity DEFAULT, not FULL.*REPLICA IDENTITY FULL/);
  });

  it('makes one event per truncated table', () => {
    const assembler = new PgoutputAssembler('s0', 0);
    const { events } = run(assembler, [
      begin(5n, 1),
      relation(1, 'public', 'a', [['id', 23]]),
      relation(2, 'app', 'b', [['id', 23]]),
      truncate([1, 2]),
      commit(5n, 6n),
    ]);
    expect(events.map((e) => [e.op, e.schema, e.table, e.old, e.new, e.lastInTransaction])).toEqual([
      ['truncate', 'public', 'a', null, null, false],
      ['truncate', 'app', 'b', null, null, true],
    ]);
  });

  it('gives the global transaction id to events after the tagging message', () => {
    const assembler = new PgoutputAssembler('s0', 0);
    const { events } = run(assembler, [
      begin(5n, 1),
      relation(1, 'public', 'a', [['id', 23]]),
      insert(1, ['1']),
      logicalMessage('switchyard.gid', 'sy-42'),
      insert(1, ['2']),
      logicalMessage('other', 'ignored'),
      commit(5n, 6n),
    ]);
    expect(events.map((e) => e.transaction.globalId)).toEqual([null, 'sy-42']);
  });

  it('refuses messages out of order, unknown relations and values that are not of their type', () => {
    const assembler = () => new PgoutputAssembler('s0', 0);
    expect(() => run(assembler(), [relation(1, 'public', 't', [['id', 23]]), insert(1, ['1'])])).toThrow(
      /outside a transaction/,
    );
    expect(() => run(assembler(), [begin(1n, 1), begin(2n, 2)])).toThrow(/Begin inside a transaction/);
    expect(() => run(assembler(), [begin(1n, 1), insert(1, ['1'])])).toThrow(
      /relation 1 before any Relation/,
    );
    expect(() => run(assembler(), [begin(1n, 1), commit(2n, 3n)])).toThrow(/Commit at 0\/2/);
    const bad = () =>
      run(assembler(), [begin(1n, 1), relation(1, 'public', 't', [['id', 23]]), insert(1, ['secret-abc'])]);
    expect(bad).toThrow(/column "id" does not read as type OID 23/);
    expect(bad).not.toThrow(/secret/);
    expect(() =>
      run(assembler(), [begin(1n, 1), relation(1, 'public', 't', [['id', 23]]), insert(1, ['1', '2'])]),
    ).toThrow(/2 values but the table has 1 columns/);
  });
});
