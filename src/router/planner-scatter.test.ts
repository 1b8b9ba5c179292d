// The planner's switch from the single-shard plan to a scatter-gather: a read that would need every
// shard, or whose keys may reach several, carries a scatter plan; what the merge cannot answer keeps
// a refusal saying why.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog.js';
import { colocatedTable, shardedTable } from '../catalog/table-rules.js';
import { testCatalog } from '../catalog/test-catalogs.js';
import { loadSqlParser } from '../sql/parse-sql.js';
import { Planner } from './planner.js';

const users = shardedTable('id', { keyTypes: ['int8'] });
const catalog: Catalog = testCatalog(3, {
  users,
  orders: colocatedTable('user_id', 'users', users),
  items: shardedTable('id', { keyTypes: ['int8'] }),
});
const planner = new Planner(() => catalog);
const single = new Planner(() => catalog, { scatter: false });

describe('planner: cross-shard reads become scatter-gathers', () => {
  beforeAll(() => loadSqlParser());

  it('plans a read of every shard as a scatter over all shards', () => {
    const [plan] = planner.plan('SELECT name, count(*) FROM users GROUP BY name ORDER BY name');
    expect(plan?.route).toEqual({ type: 'scatter' });
    expect(plan?.scatter?.route).toEqual({ type: 'all' });
    expect(single.plan('SELECT name, count(*) FROM users GROUP BY name ORDER BY name')[0]?.route.type).toBe(
      'refused',
    );
  });

  it('keeps the key route of an IN list and carries the scatter for when its keys reach several shards', () => {
    const [plan] = planner.plan('SELECT * FROM users WHERE id IN (1, 2, 3) ORDER BY id');
    expect(plan?.route.type).toBe('shard-key');
    expect(plan?.scatter?.route.type).toBe('shard-key');
    const [pinned] = planner.plan('SELECT * FROM users WHERE id = 1');
    expect(pinned?.route.type).toBe('shard-key');
    expect(pinned?.scatter).toBeUndefined();
  });

  it("refuses, with the merge's reason, what scatter-gather cannot answer exactly", () => {
    const [plan] = planner.plan('SELECT id, rank() OVER (ORDER BY id) FROM users');
    expect(plan?.route).toMatchObject({
      type: 'refused',
      code: '0A000',
      message: expect.stringMatching(/window/i),
    });
    // Writes never scatter: a write across shards runs on each shard it changes (two-phase commit).
    const [write] = planner.plan('UPDATE users SET name = $1');
    expect(write?.route.type).toBe('all');
    expect(write?.multiWrite).toEqual({ kind: 'every', table: 'sharded' });
    expect(write?.scatter).toBeUndefined();
    // …unless each shard would write a different value.
    expect(planner.plan('UPDATE users SET name = now()::text')[0]?.route).toMatchObject({
      type: 'refused',
      message: expect.stringContaining('now() would give a different value on each shard'),
    });
    // Joins of tables that are not co-located stay refused.
    expect(planner.plan('SELECT * FROM users u JOIN items i ON i.id = u.id')[0]?.route.type).toBe('refused');
  });
});
