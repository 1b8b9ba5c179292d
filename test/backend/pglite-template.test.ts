// New embedded shards come from one cached template: built once even when processes race for it,
// copied per shard, and existing shards are reopened as they are.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createShardBackend } from '../../src/backend/create-shard-backend.js';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { PostgresBackend } from '../../src/backend/postgres-backend.js';
import { startPgliteShards } from '../../src/backend/start-pglite-shards.js';
import { shardErrorOf } from './shard-backend.suite.js';

const root = mkdtempSync(join(tmpdir(), 'switchyard-template-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the PGlite template', () => {
  it('is built once when two processes race to build it', async () => {
    const cacheDir = join(root, 'race-cache');
    const script = fileURLToPath(new URL('./fixtures/build-template.ts', import.meta.url));
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', script, cacheDir]);
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.stdout).toBe(b.stdout);
    expect(existsSync(join(a.stdout, 'PG_VERSION'))).toBe(true);
    // The loser's build directory is gone: only the template is left.
    expect(readdirSync(cacheDir)).toEqual([a.stdout.slice(cacheDir.length + 1)]);
  });
});

describe('startPgliteShards', () => {
  it('starts new shards as separate databases and reopens existing ones as they are', async () => {
    const dataDir = join(root, 'cluster');
    const names = ['s1', 's2', 's3', 's4'];
    const shards = await startPgliteShards(names, dataDir);
    try {
      expect(shards.map((s) => s.shard)).toEqual(names);
      await Promise.all(
        shards.map((s, i) => s.exec(`CREATE TABLE mine (n int); INSERT INTO mine VALUES (${i})`)),
      );
    } finally {
      await Promise.all(shards.map((s) => s.close()));
    }
    expect(readdirSync(dataDir).sort()).toEqual(names);
    const again = await startPgliteShards(names, dataDir);
    try {
      const values = await Promise.all(again.map((s) => s.query('SELECT n FROM mine')));
      expect(values.map((v) => v.rows)).toEqual([[['0']], [['1']], [['2']], [['3']]]);
    } finally {
      await Promise.all(again.map((s) => s.close()));
    }
  });

  it('refuses a shard name that is not a plain directory name', async () => {
    const error = await shardErrorOf(() => startPgliteShards(['ok', '../escape'], join(root, 'bad')));
    expect(error).toMatchObject({ code: '22023', shard: '../escape' });
    expect(existsSync(join(root, 'bad'))).toBe(false);
  });

  it('fails as a whole when one shard cannot open', async () => {
    const dataDir = join(root, 'partly');
    mkdirSync(join(dataDir, 'broken'), { recursive: true });
    writeFileSync(join(dataDir, 'broken', 'stray.txt'), 'not a database');
    const error = await shardErrorOf(() => startPgliteShards(['fine', 'broken'], dataDir));
    expect(error.shard).toBe('broken');
    // The shard that did open was closed again, so it opens normally now.
    const fine = await PgliteBackend.open('fine', join(dataDir, 'fine'));
    await fine.close();
  });
});

describe('createShardBackend', () => {
  it('opens pglite:// addresses as embedded shards, relative to the base directory', async () => {
    const backend = await createShardBackend('e1', 'pglite://shards/e1', { baseDir: root });
    try {
      expect(backend).toBeInstanceOf(PgliteBackend);
      expect((backend as PgliteBackend).dataDir).toBe(join(root, 'shards', 'e1'));
      expect((await backend.query('SELECT 1')).rows).toEqual([['1']]);
    } finally {
      await backend.close();
    }
  });

  it('makes a pooled backend for postgres:// addresses without connecting yet', async () => {
    const backend = await createShardBackend('p1', 'postgresql://app:pw@db9:6543/app', {
      postgres: { poolSize: 3 },
    });
    try {
      expect(backend).toBeInstanceOf(PostgresBackend);
      expect((backend as PostgresBackend).address).toBe('db9:6543/app');
    } finally {
      await backend.close();
    }
  });

  it('refuses other schemes without repeating the address', async () => {
    const error = await shardErrorOf(() => createShardBackend('m1', 'mysql://root:hunter2@db/x'));
    expect(error.code).toBe('22023');
    expect(error.message).toContain('mysql:');
    expect(error.message).not.toContain('hunter2');
  });
});
