// Shared ShardBackend tests: two-phase commit and what survives a restart.
import { describe, expect, it } from 'vitest';
import { type SuiteContext, shardErrorOf, uniqueName, withSession } from './suite-helpers.js';

/** Prepared transactions, gids, and durability across close and reopen. */
export function twoPhaseCommitSuite(context: SuiteContext): void {
  const backend = () => context.backend();
  const fixture = context.fixture;

  describe('two-phase commit', () => {
    async function prepareInsert(table: string, id: number, gid: string): Promise<void> {
      await withSession(backend(), async (session) => {
        await session.exec('BEGIN');
        await session.query(`INSERT INTO ${table} VALUES ($1)`, [id]);
        await session.prepareTransaction(gid);
      });
    }

    it('commits and rolls back prepared transactions, listed by gid prefix', async () => {
      const table = uniqueName('twopc');
      const prefix = uniqueName('gid');
      await backend().exec(`CREATE TABLE ${table} (id int)`);
      await prepareInsert(table, 1, `${prefix}.a`);
      const listed = await backend().listPrepared(prefix);
      expect(listed.map((p) => p.gid)).toEqual([`${prefix}.a`]);
      expect(listed[0]?.preparedAt).toBeInstanceOf(Date);
      expect(Math.abs((listed[0]?.preparedAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
      await backend().commitPrepared(`${prefix}.a`);
      await prepareInsert(table, 2, `${prefix}.b`);
      await backend().rollbackPrepared(`${prefix}.b`);
      expect(await backend().listPrepared(prefix)).toEqual([]);
      expect((await backend().query(`SELECT id FROM ${table}`)).rows).toEqual([['1']]);
    });

    it('lists only the gids with the prefix', async () => {
      // One pending at a time: an embedded shard runs nothing else while a transaction is prepared.
      const table = uniqueName('prefix');
      const prefix = uniqueName('pfx');
      await backend().exec(`CREATE TABLE ${table} (id int)`);
      await prepareInsert(table, 1, `${prefix}-y-1`);
      expect(await backend().listPrepared(`${prefix}-x`)).toEqual([]);
      expect((await backend().listPrepared(`${prefix}-y`)).map((p) => p.gid)).toEqual([`${prefix}-y-1`]);
      expect((await backend().listPrepared(prefix)).map((p) => p.gid)).toEqual([`${prefix}-y-1`]);
      expect((await backend().listPrepared()).map((p) => p.gid)).toContain(`${prefix}-y-1`);
      // The prefix is a plain prefix, not a LIKE pattern.
      expect(await backend().listPrepared(`${prefix.slice(0, 3)}%`)).toEqual([]);
      await backend().rollbackPrepared(`${prefix}-y-1`);
      expect(await backend().listPrepared(prefix)).toEqual([]);
    });

    it('rejects a gid outside the safe characters before sending anything', async () => {
      const error = await shardErrorOf(() => backend().commitPrepared("x'; DROP TABLE t; --"));
      expect(error.code).toBe('22023');
      const session = await backend().session();
      try {
        await session.exec('BEGIN');
        expect((await shardErrorOf(() => session.prepareTransaction('has space'))).code).toBe('22023');
      } finally {
        await session.release();
      }
    });

    it('reports an unknown gid with the server error 42704', async () => {
      const error = await shardErrorOf(() => backend().commitPrepared(uniqueName('nosuch')));
      expect(error.code).toBe('42704');
    });

    it('refuses PREPARE TRANSACTION without an open transaction', async () => {
      const error = await shardErrorOf(() =>
        withSession(backend(), (s) => s.prepareTransaction(uniqueName('none'))),
      );
      expect(error.code).toBe('25P01');
    });

    it('says so when PREPARE TRANSACTION rolled back a failed transaction', async () => {
      const gid = uniqueName('failed');
      const error = await shardErrorOf(() =>
        withSession(backend(), async (session) => {
          await session.exec('BEGIN');
          await shardErrorOf(() => session.query('SELECT 1/0'));
          await session.prepareTransaction(gid);
        }),
      );
      expect(error.code).toBe('40000');
      expect(await backend().listPrepared(gid)).toEqual([]);
    });
  });

  describe('durability', () => {
    it('keeps committed data and prepared transactions across close and reopen', async () => {
      const name = uniqueName('durable').toLowerCase();
      const gid = uniqueName('survivor');
      const first = await fixture().open(name);
      try {
        await first.exec('CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)');
        await withSession(first, async (session) => {
          await session.exec('BEGIN');
          await session.query('INSERT INTO kept VALUES (2)');
          await session.prepareTransaction(gid);
        });
      } finally {
        await first.close();
      }
      const again = await fixture().open(name);
      try {
        expect((await again.listPrepared(gid)).map((p) => p.gid)).toEqual([gid]);
        await again.commitPrepared(gid);
        expect((await again.query('SELECT id FROM kept ORDER BY id')).rows).toEqual([['1'], ['2']]);
      } finally {
        await again.close();
      }
    });

    it('fails calls after close with 08003', async () => {
      const closed = await fixture().open(uniqueName('closed').toLowerCase());
      await closed.close();
      await closed.close();
      expect((await shardErrorOf(() => closed.query('SELECT 1'))).code).toBe('08003');
    });
  });
}
