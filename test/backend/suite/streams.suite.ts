// Shared ShardBackend tests: streaming in batches, and cancellation.
import { describe, expect, it } from 'vitest';
import { type SuiteContext, shardErrorOf, uniqueName } from './suite-helpers.js';

/** Streams are batched and can be left or aborted; an aborted call runs nothing. */
export function streamsSuite(context: SuiteContext): void {
  const backend = () => context.backend();

  describe('stream', () => {
    it('yields a large result in batches no bigger than asked', async () => {
      let rows = 0;
      let batches = 0;
      let largest = 0;
      let firstFields: unknown;
      let last: unknown;
      for await (const batch of backend().stream(
        'SELECT g, $1::text FROM generate_series(1, 100000) g',
        ['x'],
        {
          batchSize: 1000,
        },
      )) {
        firstFields ??= batch.fields;
        expect(batch.fields).toBe(firstFields);
        largest = Math.max(largest, batch.rows.length);
        rows += batch.rows.length;
        batches += 1;
        last = batch.rows[batch.rows.length - 1];
      }
      expect({ rows, batches, largest, last }).toEqual({
        rows: 100000,
        batches: 100,
        largest: 1000,
        last: ['100000', 'x'],
      });
    });

    it('yields one empty batch with the fields when there are no rows', async () => {
      const batches = [];
      for await (const batch of backend().stream('SELECT 1 AS one WHERE false')) batches.push(batch);
      expect(batches).toHaveLength(1);
      expect(batches[0]?.rows).toEqual([]);
      expect(batches[0]?.fields.map((f) => f.name)).toEqual(['one']);
    });

    it('can be left early, and the backend goes on working', async () => {
      let seen = 0;
      for await (const batch of backend().stream('SELECT g FROM generate_series(1, 50000) g', [], {
        batchSize: 100,
      })) {
        seen += batch.rows.length;
        if (seen >= 300) break;
      }
      expect(seen).toBe(300);
      expect((await backend().query('SELECT 2')).rows).toEqual([['2']]);
    });

    it('fails with the server error when a later batch fails, then the backend goes on working', async () => {
      const received: number[] = [];
      const error = await shardErrorOf(async () => {
        for await (const batch of backend().stream('SELECT 1 / (50 - g) FROM generate_series(1, 100) g', [], {
          batchSize: 10,
        })) {
          received.push(batch.rows.length);
        }
      });
      expect(error.code).toBe('22012');
      expect(received).toEqual([10, 10, 10, 10]);
      expect((await backend().query('SELECT 3')).rows).toEqual([['3']]);
    });
  });

  describe('cancellation', () => {
    it('an already aborted signal runs nothing', async () => {
      const table = uniqueName('aborted');
      await backend().exec(`CREATE TABLE ${table} (id int)`);
      const error = await shardErrorOf(() =>
        backend().query(`INSERT INTO ${table} VALUES (1)`, [], { signal: AbortSignal.abort() }),
      );
      expect(error.code).toBe('57014');
      expect((await backend().query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
    });

    it('aborting a stream stops it with 57014 and the backend goes on working', async () => {
      const controller = new AbortController();
      let batches = 0;
      const error = await shardErrorOf(async () => {
        for await (const _ of backend().stream('SELECT g FROM generate_series(1, 100000) g', [], {
          batchSize: 100,
          signal: controller.signal,
        })) {
          batches += 1;
          if (batches === 3) controller.abort();
        }
      });
      expect(error.code).toBe('57014');
      expect(batches).toBe(3);
      expect((await backend().query('SELECT 5')).rows).toEqual([['5']]);
    });
  });
}
