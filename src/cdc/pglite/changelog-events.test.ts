import { describe, expect, it } from 'vitest';
import { changePosition } from '../change-position.js';
import { columnReaders } from '../column-values.js';
import { changelogEvents, type TableVersion, tableVersionOf } from './changelog-events.js';

const versions = new Map<number, TableVersion>([
  tableVersionOf(['1', 'public', 'items', '["id","title","tags"]', '[20,25,1009]']),
  [2, { schema: 'app', table: 'notes', readers: columnReaders([{ name: 'id', typeOid: 23 }]) }],
]);
const micros = String(BigInt(Date.UTC(2025, 0, 1)) * 1000n);

describe('changelogEvents', () => {
  it('turns rows into typed events with transaction boundaries', () => {
    const rows = [
      ['7', '900', null, micros, '1', 'I', null, '(1,"a, b","{x,\\"y z\\"}")'],
      ['8', '900', null, micros, '1', 'U', '(1,"a, b",)', '(1,c,{})'],
      ['9', '901', 'sy-1', micros, '2', 'D', '(5)', null],
      ['10', '902', null, micros, '2', 'T', null, null],
      ['11', '902', null, micros, '2', 'I', null, '(6)'],
    ];
    const events = changelogEvents('s2', 2, rows, true, versions);
    expect(events).toHaveLength(4);
    expect(events.map((e) => [e.position, e.op, e.schema, e.table, e.lastInTransaction])).toEqual([
      [changePosition(7n), 'insert', 'public', 'items', false],
      [changePosition(8n), 'update', 'public', 'items', true],
      [changePosition(9n), 'delete', 'app', 'notes', true],
      [changePosition(10n), 'truncate', 'app', 'notes', false],
    ]);
    expect(events[0]!.new).toEqual({
      id: 1n,
      title: 'a, b',
      tags: { kind: 'array', elements: ['x', 'y z'], dims: [2], lbounds: [1] },
    });
    expect(events[1]!.old).toEqual({ id: 1n, title: 'a, b', tags: null });
    expect(events[2]).toMatchObject({ old: { id: 5 }, new: null, shard: 's2', shardId: 2 });
    expect(events[2]!.transaction).toEqual({
      id: '901',
      globalId: 'sy-1',
      commitTime: new Date(Date.UTC(2025, 0, 1)),
    });
    expect(events[3]).toMatchObject({ old: null, new: null });
    const last = changelogEvents('s2', 2, rows.slice(3), false, versions);
    expect(last.map((e) => e.lastInTransaction)).toEqual([false, true]);
  });

  it('refuses rows of unknown table versions and rows that do not fit their columns', () => {
    expect(() =>
      changelogEvents('s0', 0, [['1', '1', null, micros, '3', 'I', null, '(1)']], false, versions),
    ).toThrow(/table version 3/);
    expect(() =>
      changelogEvents('s0', 0, [['1', '1', null, micros, '2', 'I', null, '(1,2)']], false, versions),
    ).toThrow(/2 values but the table has 1 columns/);
  });
});
