// The parts of the protocol drivers rarely exercise, byte by byte through Switchyard to embedded
// shards: binary parameters and results, row limits on Execute (portal suspension) with Flush, cursors,
// Describe, multi-statement strings (one implicit transaction per shard), errors that skip to Sync.
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDataRow, decodeNoticeFields, decodeReadyForQuery } from '../../src/wire/codec/index.js';
import { RawClient } from '../wire/support/raw-client.js';
import { type Switchyard, startSwitchyard } from './switchyard-harness.js';

const T = (c: string) => c.charCodeAt(0);

async function session(sy: Switchyard): Promise<RawClient> {
  const client = await RawClient.connect(sy.port);
  client.send(serialize.startup({ user: 'postgres', database: 'postgres' }));
  await client.until((c) => c.received.some((f) => f.type === T('Z')));
  client.received.length = 0;
  return client;
}

/** Sends messages and waits for the n-th ReadyForQuery; returns the frames and clears them. */
async function exchange(client: RawClient, messages: Uint8Array[], readyCount = 1) {
  for (const m of messages) client.send(m);
  await client.until((c) => c.received.filter((f) => f.type === T('Z')).length >= readyCount);
  const frames = [...client.received];
  client.received.length = 0;
  return frames;
}

const types = (frames: { type: number }[]) => frames.map((f) => String.fromCharCode(f.type)).join('');

describe('the connection limit', () => {
  it('refuses a connection over maxConnections with 53300, and serves again once one leaves', async () => {
    const sy = await startSwitchyard({ kind: 'embedded', shards: 1 }, { maxConnections: 2 });
    try {
      const first = await sy.client();
      const second = await sy.client();
      await expect(sy.client()).rejects.toMatchObject({
        code: '53300',
        message: expect.stringContaining('maxConnections'),
      });
      await second.end();
      await new Promise((r) => setTimeout(r, 100));
      const third = await sy.client();
      expect((await third.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect((await first.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await sy.stop();
    }
  });
});

describe('protocol details through Switchyard (embedded shards)', () => {
  let sy: Switchyard;
  beforeAll(async () => {
    sy = await startSwitchyard({ kind: 'embedded', shards: 3 }, { sample: true });
  });
  afterAll(() => sy?.stop());

  it('passes binary parameters and binary results through untouched', async () => {
    const client = await session(sy);
    const key = new Uint8Array(8);
    new DataView(key.buffer).setBigInt64(0, 42n);
    const frames = await exchange(client, [
      serialize.parse({ name: 'by_id', text: 'SELECT id, name FROM tenants WHERE id = $1', types: [20] }),
      serialize.bind({ statement: 'by_id', values: [Buffer.from(key)], binary: true, valueMapper: (v) => v }),
      serialize.describe({ type: 'P', name: '' }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    expect(types(frames)).toBe('12TDCZ');
    const [id, name] = decodeDataRow(frames[3]!);
    expect(new DataView(id!.buffer, id!.byteOffset, 8).getBigInt64(0)).toBe(42n);
    expect(Buffer.from(name!).toString()).toBe('tenant-42');
    client.socket.destroy();
  });

  it('suspends a portal at the Execute row limit and resumes it', async () => {
    const client = await session(sy);
    const first = await exchange(
      client,
      [
        serialize.parse({ text: 'SELECT id FROM tasks WHERE tenant_id = $1 ORDER BY id' }),
        serialize.bind({ values: ['5'] }),
        serialize.execute({ rows: 2 }),
        serialize.flush(),
      ],
      0,
    ).catch(() => []);
    void first;
    await client.until((c) => c.received.some((f) => f.type === T('s')));
    expect(types(client.received)).toBe('12DDs');
    client.received.length = 0;
    const rest = await exchange(client, [serialize.execute({ rows: 100 }), serialize.sync()]);
    expect(types(rest)).toBe(`${'D'.repeat(28)}CZ`);
    client.socket.destroy();
  });

  it('reads through pg-cursor (Execute with a row limit, then Flush)', async () => {
    const client = await sy.client();
    const cursor = client.query(new Cursor('SELECT id FROM users WHERE tenant_id = $1 ORDER BY id', [9]));
    const read = (n: number) =>
      new Promise<unknown[]>((resolve, reject) =>
        cursor.read(n, (err, rows) => (err ? reject(err) : resolve(rows))),
      );
    expect((await read(4)).length).toBe(4);
    expect((await read(100)).length).toBe(6);
    await new Promise<void>((resolve) => cursor.close(() => resolve()));
  });

  it('describes a statement before binding it, from a shard that has the table', async () => {
    const client = await session(sy);
    const frames = await exchange(client, [
      serialize.parse({ name: 's1', text: 'SELECT name, plan_id FROM tenants WHERE id = $1' }),
      serialize.describe({ type: 'S', name: 's1' }),
      serialize.sync(),
    ]);
    expect(types(frames)).toBe('1tTZ');
    client.socket.destroy();
  });

  it('after an error skips to Sync and reports unknown statements and portals', async () => {
    const client = await session(sy);
    const frames = await exchange(client, [
      serialize.bind({ statement: 'nope', values: [] }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    expect(types(frames)).toBe('EZ');
    expect(decodeNoticeFields(frames[0]!).code).toBe('26000');
    const portal = await exchange(client, [serialize.execute({ portal: 'missing' }), serialize.sync()]);
    expect(decodeNoticeFields(portal[0]!).code).toBe('34000');
    const shardError = await exchange(client, [
      serialize.parse({ text: 'SELECT 1/0 FROM tenants WHERE id = $1' }),
      serialize.bind({ values: ['3'] }),
      serialize.execute({}),
      serialize.parse({ text: 'SELECT 2' }),
      serialize.sync(),
    ]);
    // PostgreSQL folds 1/0 when it plans the statement at Bind; the Execute and Parse after it are skipped.
    expect(types(shardError)).toBe('1EZ');
    expect(decodeNoticeFields(shardError[1]!).code).toBe('22012');
    expect(decodeReadyForQuery(shardError[2]!)).toBe('I');
    client.socket.destroy();
  });

  it('runs a multi-statement string on one shard as one implicit transaction', async () => {
    const client = await sy.client();
    await expect(
      client.query("UPDATE tenants SET name = 'gone' WHERE id = 77; SELECT 1/0 FROM tenants WHERE id = 77"),
    ).rejects.toMatchObject({ code: '22012' });
    expect((await client.query('SELECT name FROM tenants WHERE id = 77')).rows).toEqual([
      { name: 'tenant-77' },
    ]);
    const both = (await client.query(
      'SELECT name FROM tenants WHERE id = 1; SELECT name FROM tenants WHERE id = 2',
    )) as unknown as pg.QueryResult[];
    expect(both.map((r) => r.rows[0])).toEqual([{ name: 'tenant-1' }, { name: 'tenant-2' }]);
  });

  it("keeps one session's SET to itself on an embedded shard that all sessions share", async () => {
    const a = await sy.client();
    const b = await sy.client();
    await a.query("SET statement_timeout = '1234ms'");
    expect((await a.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '1234ms' }]);
    expect((await b.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
    expect((await a.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '1234ms' }]);
    await a.query('RESET ALL');
    expect((await a.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
  });

  it('answers DEALLOCATE and an empty query itself', async () => {
    const client = await session(sy);
    const frames = await exchange(
      client,
      [
        serialize.parse({ name: 'x', text: 'SELECT 1' }),
        serialize.sync(),
        serialize.query('DEALLOCATE x'),
        serialize.query(''),
      ],
      3,
    );
    expect(types(frames)).toBe('1ZCZIZ');
    client.socket.destroy();
  });
});

describe('cursors over a cross-shard read', () => {
  let sy: Switchyard;
  beforeAll(async () => {
    sy = await startSwitchyard({ kind: 'embedded', shards: 3 }, { sample: true });
  });
  afterAll(() => sy?.stop());

  it('pg-cursor reads a merged result a few rows at a time (Execute row limits, PortalSuspended)', async () => {
    const client = await sy.client();
    const cursor = client.query(new Cursor('SELECT id, name FROM tenants WHERE id <= $1 ORDER BY id', [25]));
    const read = (n: number) =>
      new Promise<{ id: string }[]>((resolve, reject) =>
        cursor.read(n, (err, rows) => (err ? reject(err) : resolve(rows as { id: string }[]))),
      );
    const first = await read(10);
    const second = await read(10);
    const rest = await read(100);
    expect([...first, ...second, ...rest].map((r) => Number(r.id))).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    expect(await read(10)).toEqual([]);
    await new Promise<void>((resolve) => cursor.close(() => resolve()));
    // The session and its shard connections are in order afterwards.
    expect((await client.query('SELECT count(*)::int AS n FROM tenants')).rows).toEqual([{ n: 1000 }]);
  });

  it("sends binary results of a cross-shard read exactly as the shard sends them for one shard's rows", async () => {
    const client = await session(sy);
    const binaryRows = async (sql: string, params: Uint8Array[] = [], paramTypes: number[] = []) => {
      const frames = await exchange(client, [
        serialize.parse({ text: sql, types: paramTypes }),
        serialize.bind({
          values: params.map((p) => Buffer.from(p)),
          binary: true,
          valueMapper: (v) => v,
        }),
        serialize.describe({ type: 'P', name: '' }),
        serialize.execute({}),
        serialize.sync(),
      ]);
      const description = frames.find((f) => f.type === T('T'));
      const formats = description ? rowDescriptionFormats(description.body) : [];
      const errors = frames.filter((f) => f.type === T('E')).map((f) => decodeNoticeFields(f).message);
      expect(errors).toEqual([]);
      return { formats, rows: frames.filter((f) => f.type === T('D')).map((f) => decodeDataRow(f)) };
    };
    const scatters = async (sql: string) => {
      const plan = await exchange(client, [serialize.query(`EXPLAIN ${sql}`)]);
      return plan.some((f) => f.type === T('D') && Buffer.from(f.body).includes('scatter-gather'));
    };
    // A tenant id with no rows whose shard differs from tenant 7's: `IN (7, other)` scatters.
    let other = 100_000;
    while (!(await scatters(`SELECT id FROM tasks WHERE tenant_id IN (7, ${other})`))) other++;
    const columns =
      'id, title, status, priority, estimate, due, done_at, assignee_id, ARRAY[priority, 1] AS arr, estimate::float8 AS f, done_at IS NULL AS open, estimate::float4 AS r';
    const one = await binaryRows(`SELECT ${columns} FROM tasks WHERE tenant_id = 7 ORDER BY id`);
    const merged = await binaryRows(
      `SELECT ${columns} FROM tasks WHERE tenant_id IN (7, ${other}) ORDER BY id`,
    );
    expect(one.rows.length).toBe(30);
    expect(merged.formats).toEqual(Array(12).fill(1));
    expect(merged.rows.map(hexRow)).toEqual(one.rows.map(hexRow));
    const aggregates =
      'count(*), sum(estimate), avg(estimate), max(due), min(done_at), bool_or(done_at IS NULL), sum(priority), avg(priority), max(title)';
    const oneAgg = await binaryRows(`SELECT ${aggregates} FROM tasks WHERE tenant_id = 7`);
    const mergedAgg = await binaryRows(`SELECT ${aggregates} FROM tasks WHERE tenant_id IN (7, ${other})`);
    expect(mergedAgg.formats).toEqual(Array(9).fill(1));
    expect(mergedAgg.rows.map(hexRow)).toEqual(oneAgg.rows.map(hexRow));
    // Binary parameters the merge itself reads (LIMIT, OFFSET) are read by their declared type.
    const int8 = (n: bigint) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, n);
      return b;
    };
    const page = await binaryRows(
      'SELECT id FROM tenants ORDER BY id LIMIT $1 OFFSET $2',
      [int8(3n), int8(4n)],
      [20, 20],
    );
    expect(page.rows.map(([id]) => new DataView(id!.buffer, id!.byteOffset, 8).getBigInt64(0))).toEqual([
      5n,
      6n,
      7n,
    ]);
    client.socket.destroy();
  });

  it('a statement sent while a cross-shard read is suspended closes it and runs normally', async () => {
    const client = await sy.client();
    const cursor = client.query(new Cursor('SELECT id FROM tenants ORDER BY id'));
    const rows = await new Promise<unknown[]>((resolve, reject) =>
      cursor.read(5, (err, r) => (err ? reject(err) : resolve(r))),
    );
    expect(rows.length).toBe(5);
    const other = await sy.client();
    expect((await other.query('SELECT name FROM tenants WHERE id = 3')).rows).toEqual([{ name: 'tenant-3' }]);
    await new Promise<void>((resolve) => cursor.close(() => resolve()));
    expect((await client.query('SELECT name FROM tenants WHERE id = 4')).rows).toEqual([
      { name: 'tenant-4' },
    ]);
  });
});

/** The format code of each field of a RowDescription body. */
function rowDescriptionFormats(body: Uint8Array): number[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = view.getUint16(0);
  const formats: number[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    while (body[at] !== 0) at++;
    at += 1 + 16;
    formats.push(view.getInt16(at));
    at += 2;
  }
  return formats;
}

function hexRow(row: (Uint8Array | null)[]): (string | null)[] {
  return row.map((v) => (v === null ? null : Buffer.from(v).toString('hex')));
}
