// PgliteBackend: the shared ShardBackend suite, then what only an embedded shard does: one
// connection shared through a FIFO lock with a timeout, prepared transactions that block other
// statements until resolved, crash images, and shards copied from the template.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { shardBackendSuite, shardErrorOf, uniqueName } from './shard-backend.suite.js';

const root = mkdtempSync(join(tmpdir(), 'switchyard-pglite-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('PgliteBackend', () => {
  shardBackendSuite(() => ({ open: (name) => PgliteBackend.open(name, join(root, name)) }));

  describe('one connection shared by a lock', () => {
    let backend: PgliteBackend;
    beforeAll(async () => {
      backend = await PgliteBackend.open('locked', join(root, 'locked'), { lockTimeoutMs: 300 });
    });
    afterAll(() => backend?.close());

    it('makes other callers wait while a session is held, then serves them in order', async () => {
      const order: string[] = [];
      const session = await backend.session();
      const waiting = [1, 2, 3].map((n) =>
        backend.query('SELECT $1::int', [n]).then(({ rows }) => order.push(`query ${rows[0]?.[0]}`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('session still holds it');
      await session.release();
      await Promise.all(waiting);
      expect(order).toEqual(['session still holds it', 'query 1', 'query 2', 'query 3']);
    });

    it('fails a caller that waits longer than the lock timeout, naming the shard', async () => {
      const session = await backend.session();
      try {
        const started = Date.now();
        const error = await shardErrorOf(() => backend.query('SELECT 1'));
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        expect(error.code).toBe('55P03');
        expect(error.message).toMatch(/^shard "locked": waited 300 ms .*another session holds it/);
        expect(error.message).toContain('one session or statement at a time');
      } finally {
        await session.release();
      }
      expect((await backend.query('SELECT 1')).rows).toEqual([['1']]);
    });

    it('lets an aborted waiter leave the queue', async () => {
      const session = await backend.session();
      const controller = new AbortController();
      const aborted = shardErrorOf(() => backend.query('SELECT 1', [], { signal: controller.signal }));
      const next = backend.query('SELECT 2');
      controller.abort();
      expect((await aborted).code).toBe('57014');
      await session.release();
      expect((await next).rows).toEqual([['2']]);
    });
  });

  describe('prepared transactions', () => {
    it('block other statements until resolved, since a lock wait could never end', async () => {
      const backend = await PgliteBackend.open('gated', join(root, 'gated'), { lockTimeoutMs: 2000 });
      try {
        await backend.exec('CREATE TABLE g (id int PRIMARY KEY)');
        const session = await backend.session();
        await session.exec('BEGIN');
        await session.query('INSERT INTO g VALUES (1)');
        await session.prepareTransaction('gate-1');
        // The preparing session may not go on: its next statement could wait for its own locks.
        expect((await shardErrorOf(() => session.query('SELECT 1'))).message).toContain('gate-1');
        await session.release();
        let answered = false;
        const blocked = backend.query('SELECT count(*) FROM g').then((result) => {
          answered = true;
          return result;
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(answered).toBe(false);
        expect((await backend.listPrepared()).map((p) => p.gid)).toEqual(['gate-1']);
        await backend.commitPrepared('gate-1');
        expect((await blocked).rows).toEqual([['1']]);
      } finally {
        await backend.close();
      }
    });

    it('found at start-up block statements until recovery resolves them, with a clear timeout error', async () => {
      const dir = join(root, 'recovering');
      const first = await PgliteBackend.open('recovering', dir);
      const session = await first.session();
      await session.exec('BEGIN; CREATE TABLE r (id int)');
      await session.prepareTransaction('in-doubt-7');
      await session.release();
      await first.close();
      const backend = await PgliteBackend.open('recovering', dir, { lockTimeoutMs: 200 });
      try {
        const error = await shardErrorOf(() => backend.query('SELECT 1'));
        expect(error.code).toBe('55P03');
        expect(error.message).toContain('in-doubt-7');
        expect(error.message).toContain('commitPrepared or rollbackPrepared');
        await backend.rollbackPrepared('in-doubt-7');
        expect((await backend.query("SELECT to_regclass('r') IS NULL")).rows).toEqual([['t']]);
      } finally {
        await backend.close();
      }
    });
  });

  it('recovers committed and prepared work from a crash image of the data directory', async () => {
    const dir = join(root, 'crashy');
    const backend = await PgliteBackend.open('crashy', dir);
    try {
      await backend.exec('CREATE TABLE c (id int); INSERT INTO c VALUES (1)');
      const session = await backend.session();
      await session.exec('BEGIN; INSERT INTO c VALUES (2)');
      await session.prepareTransaction('crash-1');
      await session.release();
      // A copy taken while the database is open is what a process killed at this moment leaves.
      cpSync(dir, `${dir}-image`, { recursive: true });
    } finally {
      await backend.close();
    }
    const restarted = await PgliteBackend.open('crashy', `${dir}-image`);
    try {
      expect((await restarted.listPrepared()).map((p) => p.gid)).toEqual(['crash-1']);
      await restarted.commitPrepared('crash-1');
      expect((await restarted.query('SELECT id FROM c ORDER BY id')).rows).toEqual([['1'], ['2']]);
    } finally {
      await restarted.close();
    }
  });

  it('closing while a session is held ends that session with 08003', async () => {
    const backend = await PgliteBackend.open(uniqueName('closing'), join(root, uniqueName('closing')));
    const session = await backend.session();
    await session.exec('BEGIN');
    await backend.close();
    expect((await shardErrorOf(() => session.query('SELECT 1'))).code).toBe('08003');
    await session.release();
  });

  it('refuses a non-empty directory that holds no database', async () => {
    const dir = join(root, 'junk');
    cpSync(new URL(import.meta.url).pathname, join(dir, 'some-file.ts'));
    const error = await shardErrorOf(() => PgliteBackend.open('junk', dir));
    expect(error.message).toContain('holds no database');
  });
});

describe('the data directory lock', () => {
  it('refuses to open a shard twice, and lets it open again once closed', async () => {
    const dir = join(root, 'twice');
    const first = await PgliteBackend.open('twice', dir);
    try {
      const error = await shardErrorOf(() => PgliteBackend.open('twice', dir));
      expect(error.message).toContain('this process already has it open');
    } finally {
      await first.close();
    }
    const again = await PgliteBackend.open('twice', dir);
    await again.close();
  });

  it('refuses a directory another live process holds, and takes over from a dead one', async () => {
    const dir = join(root, 'elsewhere');
    await (await PgliteBackend.open('elsewhere', dir)).close();
    writeFileSync(join(dir, 'switchyard.pid'), `${process.ppid}\n`);
    const error = await shardErrorOf(() => PgliteBackend.open('elsewhere', dir));
    expect(error.message).toContain(`process ${process.ppid} has it open`);
    // A pid far above any pid_max belongs to no running process.
    writeFileSync(join(dir, 'switchyard.pid'), '2147483647\n');
    await (await PgliteBackend.open('elsewhere', dir)).close();
  });
});
