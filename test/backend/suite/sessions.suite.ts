// Shared ShardBackend tests: sessions holding a transaction across calls.
import { describe, expect, it } from 'vitest';
import { type SuiteContext, shardErrorOf, uniqueName, withSession } from './suite-helpers.js';

/** Sessions hold a transaction, serialise their calls, and clean up on release. */
export function sessionsSuite(context: SuiteContext): void {
  const backend = () => context.backend();

  describe('sessions', () => {
    it('hold a transaction across calls and roll it back on release', async () => {
      const table = uniqueName('held');
      await backend().exec(`CREATE TABLE ${table} (id int)`);
      await withSession(backend(), async (session) => {
        await session.exec('BEGIN');
        await session.query(`INSERT INTO ${table} VALUES ($1)`, [1]);
        expect((await session.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['1']]);
        const streamed = [];
        for await (const batch of session.stream(`SELECT id FROM ${table}`)) streamed.push(...batch.rows);
        expect(streamed).toEqual([['1']]);
      });
      expect((await backend().query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
    });

    it('commit what they commit', async () => {
      const table = uniqueName('committed');
      await backend().exec(`CREATE TABLE ${table} (id int)`);
      await withSession(backend(), async (session) => {
        await session.exec(`BEGIN; INSERT INTO ${table} VALUES (1); COMMIT`);
      });
      expect((await backend().query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['1']]);
    });

    it('refuse calls after release, and release twice is harmless', async () => {
      const session = await backend().session();
      await session.release();
      await session.release();
      const error = await shardErrorOf(() => session.query('SELECT 1'));
      expect(error.code).toBe('08003');
      expect(error.message).toContain('released');
    });

    it('refuse a statement while one of their streams is open', async () => {
      await withSession(backend(), async (session) => {
        for await (const _ of session.stream('SELECT g FROM generate_series(1, 10) g', [], {
          batchSize: 2,
        })) {
          const error = await shardErrorOf(() => session.query('SELECT 1'));
          expect(error.code).toBe('55000');
          break;
        }
        expect((await session.query('SELECT 4')).rows).toEqual([['4']]);
      });
    });

    it('end a stream left unfinished when released, and the connection goes back clean', async () => {
      const session = await backend().session();
      await session.exec('BEGIN');
      const iterator = session
        .stream('SELECT g FROM generate_series(1, 1000) g', [], { batchSize: 10 })
        [Symbol.asyncIterator]();
      expect((await iterator.next()).value?.rows).toHaveLength(10);
      // The caller stops reading without leaving the loop, then releases.
      await session.release();
      expect((await iterator.next()).done).toBe(true);
      expect((await backend().query('SELECT 6')).rows).toEqual([['6']]);
      await withSession(backend(), async (next) => {
        expect((await next.query('SELECT 7')).rows).toEqual([['7']]);
      });
    });

    it('stay usable after their stream is aborted between batches', async () => {
      await withSession(backend(), async (session) => {
        const controller = new AbortController();
        const error = await shardErrorOf(async () => {
          for await (const _ of session.stream('SELECT g FROM generate_series(1, 1000) g', [], {
            batchSize: 10,
            signal: controller.signal,
          })) {
            controller.abort();
          }
        });
        expect(error.code).toBe('57014');
        expect((await session.query('SELECT 8')).rows).toEqual([['8']]);
      });
    });

    it('run concurrent calls in the order they were made', async () => {
      await withSession(backend(), async (session) => {
        const answers = await Promise.all(
          [1, 2, 3, 4, 5].map((n) => session.query('SELECT $1::int * 10', [n])),
        );
        expect(answers.map((a) => a.rows[0]?.[0])).toEqual(['10', '20', '30', '40', '50']);
      });
    });

    it('of concurrent callers each see a consistent transaction', async () => {
      const table = uniqueName('counter');
      await backend().exec(`CREATE TABLE ${table} (n int); INSERT INTO ${table} VALUES (0)`);
      await Promise.all(
        Array.from({ length: 10 }, () =>
          withSession(backend(), async (session) => {
            await session.exec('BEGIN');
            const { rows } = await session.query(`SELECT n FROM ${table} FOR UPDATE`);
            await session.query(`UPDATE ${table} SET n = $1`, [Number(rows[0]?.[0]) + 1]);
            await session.exec('COMMIT');
          }),
        ),
      );
      expect((await backend().query(`SELECT n FROM ${table}`)).rows).toEqual([['10']]);
    });
  });

  it('a backend call that leaves a transaction open fails, and the transaction is rolled back', async () => {
    const table = uniqueName('leftopen');
    await backend().exec(`CREATE TABLE ${table} (id int)`);
    const error = await shardErrorOf(() => backend().exec(`BEGIN; INSERT INTO ${table} VALUES (1)`));
    expect(error.code).toBe('25000');
    expect(error.message).toContain('session()');
    expect((await backend().query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
  });
}
