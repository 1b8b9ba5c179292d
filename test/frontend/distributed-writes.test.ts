// Writes across shards through Switchyard, committed with two-phase commit: explicit transactions
// over several shards, UPDATE/DELETE without the shard key, multi-row INSERTs whose rows belong to
// several shards, writes to reference tables. Each is checked shard by shard (every shard has its
// part, or none has) and against what one database would answer; no prepared transaction remains.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { type ShardPlacement, type Switchyard, startSwitchyard } from './switchyard-harness.js';

function distributedWrites(placement: () => ShardPlacement): void {
  let sy: Switchyard;
  let client: pg.Client;

  beforeAll(async () => {
    sy = await startSwitchyard(placement(), {
      sample: true,
      transactions: { idleInTransactionTimeoutMs: 1500 },
    });
    client = await sy.client();
  });
  afterAll(() => sy?.stop());

  /** Prepared transactions left on any shard. */
  async function leftPrepared(): Promise<number> {
    let n = 0;
    for (const backend of sy.cluster.backends()) n += (await backend.listPrepared('')).length;
    return n;
  }

  /** Which shard holds each tenant id. */
  async function shardsOf(ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const backend of sy.cluster.backends()) {
      const { rows } = await backend.query('SELECT id FROM tenants WHERE id = ANY($1::int8[])', [
        `{${ids.join(',')}}`,
      ]);
      for (const [id] of rows) out.set(Number(id), backend.shard);
    }
    return out;
  }

  /** Two tenant ids on different shards. */
  async function twoShards(): Promise<[number, number]> {
    const where = await shardsOf(Array.from({ length: 20 }, (_, i) => i + 1));
    const first = 1;
    const other = [...where].find(([, s]) => s !== where.get(first))?.[0];
    if (other === undefined) throw new Error('the sample has every tenant on one shard');
    return [first, other];
  }

  it('an explicit transaction writing to two shards commits on both, and reads see its own writes', async () => {
    const [a, b] = await twoShards();
    await client.query('BEGIN');
    await client.query("UPDATE tenants SET name = 'moved-a' WHERE id = $1", [a]);
    await client.query("UPDATE tenants SET name = 'moved-b' WHERE id = $1", [b]);
    const inside = await client.query('SELECT id, name FROM tenants WHERE id IN ($1, $2) ORDER BY id', [
      a,
      b,
    ]);
    expect(inside.rows.map((r) => r.name)).toEqual(['moved-a', 'moved-b']);
    await client.query('COMMIT');
    const other = await sy.client();
    const after = await other.query('SELECT name FROM tenants WHERE id IN ($1, $2) ORDER BY id', [a, b]);
    expect(after.rows.map((r) => r.name)).toEqual(['moved-a', 'moved-b']);
    expect(await leftPrepared()).toBe(0);
    const metrics = sy.cluster.coordinator?.metrics();
    expect(metrics?.twoPhase).toBeGreaterThan(0);
  });

  it('a transaction that fails on one shard is rolled back on every shard', async () => {
    const [a, b] = await twoShards();
    await client.query('BEGIN');
    await client.query("UPDATE tenants SET name = 'never-a' WHERE id = $1", [a]);
    await expect(client.query('UPDATE tenants SET plan_id = 1 / 0 WHERE id = $1', [b])).rejects.toMatchObject(
      {
        code: '22012',
      },
    );
    await client.query('COMMIT'); // answered ROLLBACK: the transaction had failed
    const { rows } = await client.query("SELECT count(*)::int AS n FROM tenants WHERE name = 'never-a'");
    expect(rows[0].n).toBe(0);
    expect(await leftPrepared()).toBe(0);
  });

  it('UPDATE and DELETE without the shard key change every shard atomically, with the total count', async () => {
    const before = await client.query("SELECT count(*)::int AS n FROM tasks WHERE status = 'blocked'");
    const updated = await client.query("UPDATE tasks SET status = 'stuck' WHERE status = 'blocked'");
    expect(updated.rowCount).toBe(before.rows[0].n);
    expect(updated.rowCount).toBeGreaterThan(0);
    const perShard = await Promise.all(
      sy.cluster
        .backends()
        .map(async (b) =>
          Number((await b.query("SELECT count(*) FROM tasks WHERE status = 'stuck'")).rows[0]?.[0]),
        ),
    );
    expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(1);
    const deleted = await client.query("DELETE FROM tasks WHERE status = 'stuck' RETURNING tenant_id, id");
    expect(deleted.rowCount).toBe(before.rows[0].n);
    expect(deleted.rows.length).toBe(before.rows[0].n);
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM tasks WHERE status IN ('stuck', 'blocked')",
    );
    expect(rows[0].n).toBe(0);
    expect(await leftPrepared()).toBe(0);
  });

  it('a multi-row INSERT whose rows belong to several shards sends each shard its own rows', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => 900_000 + i);
    const values = ids.map((id, i) => `(${id}, $${i + 1}, 1, 'eu', '2025-01-01Z')`).join(', ');
    const inserted = await client.query(
      `INSERT INTO tenants (id, name, plan_id, region, created_at) VALUES ${values} RETURNING id`,
      ids.map((id) => `t${id}`),
    );
    expect(inserted.rowCount).toBe(12);
    expect(inserted.rows.map((r) => Number(r.id)).sort()).toEqual(ids);
    const where = await shardsOf(ids);
    expect(where.size).toBe(12);
    expect(new Set(where.values()).size).toBeGreaterThan(1);
    // A row the shard refuses (duplicate key) rolls back every shard's rows.
    await expect(
      client.query(
        `INSERT INTO tenants (id, name, plan_id, region, created_at) VALUES (910000, 'x', 1, 'eu', '2025-01-01Z'), (910001, 'y', 1, 'eu', '2025-01-01Z'), (910002, 'z', 1, 'eu', '2025-01-01Z'), (${ids[0]}, 'dup', 1, 'eu', '2025-01-01Z')`,
      ),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await shardsOf([910000, 910001, 910002])).size).toBe(0);
    expect(await leftPrepared()).toBe(0);
  });

  it('a client that disconnects mid-transaction leaves nothing behind', async () => {
    const [a, b] = await twoShards();
    const leaving = await sy.client();
    await leaving.query('BEGIN');
    await leaving.query("UPDATE tenants SET name = 'gone-a' WHERE id = $1", [a]);
    await leaving.query("UPDATE tenants SET name = 'gone-b' WHERE id = $1", [b]);
    await leaving.end();
    await new Promise((r) => setTimeout(r, 200));
    const { rows } = await client.query("SELECT count(*)::int AS n FROM tenants WHERE name LIKE 'gone-%'");
    expect(rows[0].n).toBe(0);
    expect(await leftPrepared()).toBe(0);
  });

  it('a session idle in a transaction past the timeout is closed with 25P03 and rolled back', async () => {
    const [a, b] = await twoShards();
    const idle = await sy.client();
    const closed = new Promise<Error & { code?: string }>((resolve) => idle.on('error', resolve));
    await idle.query('BEGIN');
    await idle.query("UPDATE tenants SET name = 'idle-a' WHERE id = $1", [a]);
    await idle.query("UPDATE tenants SET name = 'idle-b' WHERE id = $1", [b]);
    expect(await closed).toMatchObject({ code: '25P03' });
    const { rows } = await client.query("SELECT count(*)::int AS n FROM tenants WHERE name LIKE 'idle-%'");
    expect(rows[0].n).toBe(0);
  });

  it('COPY in CSV (with a header) and in binary splits rows across shards and commits them together', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => 920_000 + i);
    const csv = `id,name,plan_id,region,created_at\n${ids.map((id) => `${id},"csv, ${id}",2,eu,2025-02-01 00:00:00+00`).join('\n')}\n`;
    await copyIn(
      client,
      'COPY tenants (id, name, plan_id, region, created_at) FROM STDIN WITH (FORMAT csv, HEADER true)',
      [Buffer.from(csv)],
    );
    const binaryIds = ids.map((id) => id + 100);
    await copyIn(
      client,
      'COPY tenants (id, name, plan_id, region, created_at) FROM STDIN WITH (FORMAT binary)',
      [
        binaryCopy(
          binaryIds.map((id) => [
            int8(BigInt(id)),
            Buffer.from(`bin ${id}`),
            int4(3),
            Buffer.from('us'),
            timestamptz(0n),
          ]),
        ),
      ],
    );
    const where = await shardsOf([...ids, ...binaryIds]);
    expect(where.size).toBe(16);
    expect(new Set(where.values()).size).toBeGreaterThan(1);
    const { rows } = await client.query('SELECT name FROM tenants WHERE id = $1', [binaryIds[3]]);
    expect(rows).toEqual([{ name: `bin ${binaryIds[3]}` }]);
    expect(await leftPrepared()).toBe(0);
  });

  it('a write to a reference table changes every copy', async () => {
    await client.query("INSERT INTO plans (id, name, price_cents) VALUES (99, 'enterprise+', 999)");
    for (const backend of sy.cluster.backends()) {
      const { rows } = await backend.query('SELECT name FROM plans WHERE id = 99');
      expect(rows).toEqual([['enterprise+']]);
    }
    const updated = await client.query(
      'UPDATE plans SET price_cents = price_cents + 1 WHERE id = 99 RETURNING price_cents',
    );
    expect(updated.rowCount).toBe(1);
    expect(updated.rows).toEqual([{ price_cents: 1000 }]);
    await expect(client.query('UPDATE plans SET name = now()::text WHERE id = 99')).rejects.toMatchObject({
      code: '0A000',
    });
    expect(await leftPrepared()).toBe(0);
  });
}

describe('writes across shards (embedded shards)', () => {
  distributedWrites(() => ({ kind: 'embedded', shards: 4 }));

  it('two transactions taking two embedded shards in opposite orders: one gets 40P01, the other commits', async () => {
    const sy = await startSwitchyard({ kind: 'embedded', shards: 2 }, { sample: true });
    try {
      const [first, second] = [await sy.client(), await sy.client()];
      const owner = async (id: number) => {
        for (const b of sy.cluster.backends()) {
          if ((await b.query('SELECT 1 FROM tenants WHERE id = $1', [id])).rows.length > 0) return b.shard;
        }
        return undefined;
      };
      let other = 2;
      while ((await owner(other)) === (await owner(1))) other++;
      await first.query('BEGIN');
      await first.query("UPDATE tenants SET name = 'first' WHERE id = 1");
      await second.query('BEGIN');
      await second.query("UPDATE tenants SET name = 'second' WHERE id = $1", [other]);
      // first now waits for the shard second holds...
      const waiting = first.query("UPDATE tenants SET name = 'first' WHERE id = $1", [other]);
      await new Promise((r) => setTimeout(r, 100));
      // ...and second asking for first's shard would close the cycle.
      await expect(second.query("UPDATE tenants SET name = 'second' WHERE id = 1")).rejects.toMatchObject({
        code: '40P01',
      });
      await second.query('ROLLBACK');
      await waiting;
      await first.query('COMMIT');
      const { rows } = await second.query('SELECT name FROM tenants WHERE id IN (1, $1) ORDER BY id', [
        other,
      ]);
      expect(rows.map((r) => r.name)).toEqual(['first', 'first']);
    } finally {
      await sy.stop();
    }
  });
});

describeWithPostgres('writes across shards (PostgreSQL shards)', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  distributedWrites(() => ({ kind: 'postgres', server, shards: 4 }));
});

describeWithPostgres('writes across shards on servers without prepared transactions', () => {
  let server: PgServer;
  let sy: Switchyard;
  beforeAll(async () => {
    server = await startPostgres({ settings: { max_prepared_transactions: '0' } });
    sy = await startSwitchyard({ kind: 'postgres', server, shards: 2 }, { sample: true });
  });
  afterAll(async () => {
    await sy?.stop();
    server?.stop();
  });

  it('refuses a write across shards naming max_prepared_transactions, and rolls it back', async () => {
    const client = await sy.client();
    const before = (await client.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n;
    const error = await client
      .query("UPDATE tasks SET status = 'x' WHERE priority = 1")
      .catch((e: Error) => e);
    expect(error).toMatchObject({ message: expect.stringContaining('max_prepared_transactions') });
    const { rows } = await client.query("SELECT count(*)::int AS n FROM tasks WHERE status = 'x'");
    expect(rows[0].n).toBe(0);
    // One shard's writes still commit as plain transactions.
    await client.query("UPDATE tasks SET status = 'solo' WHERE tenant_id = 7 AND id = 181");
    expect((await client.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBe(before);
  });
});

/** Runs COPY … FROM STDIN with `chunks` as its data (node-postgres answers CopyInResponse here). */
async function copyIn(client: pg.Client, sql: string, chunks: Buffer[]): Promise<void> {
  interface CopyConnection {
    sendCopyFromChunk(chunk: Buffer): void;
    endCopyFrom(): void;
  }
  class CopyFrom extends (pg.Query as unknown as new (sql: string) => object) {
    handleCopyInResponse(connection: CopyConnection): void {
      for (const chunk of chunks) connection.sendCopyFromChunk(chunk);
      connection.endCopyFrom();
    }
  }
  const query = new CopyFrom(sql) as unknown as pg.Query;
  const done = new Promise<void>((resolve, reject) => {
    query.on('end', () => resolve());
    query.on('error', reject);
  });
  client.query(query);
  await done;
}

function int4(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function int8(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

/** Microseconds since 2000-01-01 UTC, as timestamptz's binary form. */
function timestamptz(micros: bigint): Buffer {
  return int8(micros);
}

/** PostgreSQL's binary COPY file: signature, flags, extension length, tuples, trailer. */
function binaryCopy(rows: Buffer[][]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int4(0), int4(0)];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) parts.push(int4(field.length), field);
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}
