import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteBackend } from '../../backend/pglite-backend.js';
import { ShardPipe } from './shard-pipe.js';
import { shardRows } from './shard-rows.js';

describe("shardRows: one shard's part of a cross-shard read", () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-shard-rows-'));
  let backend: PgliteBackend;
  beforeAll(async () => {
    backend = await PgliteBackend.open('s9', join(dir, 's9'));
  });
  afterAll(async () => {
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams rows in batches as text with their description, parameters bound', async () => {
    const pipe = new ShardPipe(await backend.connect());
    const text = new TextEncoder();
    const read = shardRows(
      pipe,
      'SELECT g, g::text || $1 AS label FROM generate_series(1, $2::int) g ORDER BY g',
      [
        { value: text.encode('!'), format: 0, typeOid: 0 },
        { value: text.encode('1000'), format: 0, typeOid: 0 },
      ],
    );
    const batches: number[] = [];
    let last: readonly (string | null)[] | undefined;
    for await (const batch of read.rows) {
      batches.push(batch.length);
      last = batch[batch.length - 1];
    }
    expect((await read.fields).map((f) => f.name)).toEqual(['g', 'label']);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(batches.length).toBeGreaterThan(1);
    expect(last).toEqual(['1000', '1000!']);
    expect(pipe.owed).toBe(0);
    pipe.connection.release();
  });

  it('fails with the shard named, and leaves the pipe usable after an early stop', async () => {
    const pipe = new ShardPipe(await backend.connect());
    const failing = shardRows(pipe, 'SELECT 1/0', []);
    await expect(
      (async () => {
        for await (const _ of failing.rows);
      })(),
    ).rejects.toMatchObject({ code: '22012', message: expect.stringContaining('shard s9') });
    expect(pipe.owed).toBe(0);
    const stopped = shardRows(pipe, 'SELECT g FROM generate_series(1, 2000) g', []);
    for await (const batch of stopped.rows) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(pipe.owed).toBe(0);
    const again = shardRows(pipe, 'SELECT 42', []);
    const rows: (readonly (string | null)[])[] = [];
    for await (const batch of again.rows) rows.push(...batch);
    expect(rows).toEqual([['42']]);
    pipe.connection.release();
  });
});
