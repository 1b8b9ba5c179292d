import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../util/errors.js';
import { loadConfigFile, parseConfig, shardNames } from './config.js';

function problemsOf(input: unknown): readonly string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('switchyard.yaml configuration', () => {
  it('accepts the documented shape and fills in defaults', () => {
    const config = parseConfig(
      {
        listen: { postgres: '127.0.0.1:6432', http: '127.0.0.1:8080' },
        dataDir: './data',
        shards: 4,
        tables: {
          users: { shardKey: 'id' },
          orders: { shardKey: 'user_id', colocateWith: 'users' },
          plans: { reference: true },
        },
      },
      '/srv/app',
    );
    expect(config.dataDir).toBe('/srv/app/data');
    expect(config.layout).toEqual({ type: 'equal' });
    expect(config.pool.size).toBe(10);
    expect(shardNames(config)).toEqual(['s0', 's1', 's2', 's3']);
    expect(config.tables.orders).toEqual({ shardKey: 'user_id', colocateWith: 'users' });
  });

  it('accepts a list of PostgreSQL shards with replicas', () => {
    const config = parseConfig({
      shards: [
        { name: 'a', primary: 'postgres://db-a/app', replicas: ['postgres://db-a2/app'] },
        { name: 'b', primary: 'postgresql://db-b/app' },
      ],
    });
    expect(shardNames(config)).toEqual(['a', 'b']);
    expect(Array.isArray(config.shards) && config.shards[1]?.replicas).toEqual([]);
  });

  it('names the path and what is expected for each wrong field', () => {
    expect(
      problemsOf({
        shards: 4,
        listen: { postgres: 'localhost' },
        tables: { a: { shardKey: 3 }, b: {}, c: { reference: true, shardKey: 'x' } },
        bogus: 1,
      }),
    ).toEqual([
      'listen.postgres: expected host:port with a port up to 65535, e.g. 127.0.0.1:6432',
      'tables.a.shardKey: expected a column name or a list of column names',
      'tables.b: expected shardKey (a column name) or reference: true',
      'tables.c: a reference table is copied to every shard: remove shardKey/colocateWith/resolver/hasher',
      'bogus: unknown field (check its spelling and indentation)',
    ]);
    expect(problemsOf({ shards: 'four' })).toEqual([
      'shards: expected a number of embedded shards (e.g. 4) or a list of { name, primary, replicas }',
    ]);
    expect(problemsOf({ shards: [{ name: 's0', primary: 'mysql://x' }] })).toEqual([
      'shards.0.primary: expected a connection string starting with postgres:// or postgresql://',
    ]);
    expect(problemsOf({ shards: 0 })).toEqual(['shards: expected at least 1 shard']);
  });

  it('reads the stream and transactions sections, naming the path of a mistake', () => {
    const config = parseConfig({
      shards: 2,
      stream: { partitions: 3, workloads: { audit: 'round_robin' } },
      transactions: { timeoutMs: 5000, idleInTransactionTimeoutMs: 1000 },
    });
    expect(config.stream.partitions).toBe(3);
    expect(config.transactions).toMatchObject({
      enabled: true,
      timeoutMs: 5000,
      idleInTransactionTimeoutMs: 1000,
    });
    expect(() => parseConfig({ shards: 2, stream: { workloads: { audit: { strategy: 'bogus' } } } })).toThrow(
      /stream\.workloads\.audit/,
    );
    expect(() => parseConfig({ shards: 2, transactions: { routerId: 'has space' } })).toThrow(
      /transactions\.routerId/,
    );
  });

  it('checks references between fields', () => {
    expect(
      problemsOf({
        shards: [
          { name: 's0', primary: 'postgres://x/db' },
          { name: 's0', primary: 'postgres://y/db' },
        ],
        homeShard: 'zz',
        tables: {
          plans: { reference: true },
          a: { shardKey: 'id', colocateWith: 'missing' },
          b: { shardKey: 'id', colocateWith: 'plans' },
          c: { shardKey: ['x', 'y'], keyType: 'int8' },
          d: { shardKey: 'id', resolver: { type: 'range', bounds: [{ upTo: 10, shard: 's9' }] } },
        },
      }),
    ).toEqual([
      'shards.1.name: shard name "s0" is used twice',
      'homeShard: unknown shard "zz"; expected one of s0, s0',
      'tables.a.colocateWith: unknown table "missing"',
      'tables.b.colocateWith: "plans" is a reference table; co-locate with a sharded table',
      'tables.c.keyType: expected 2 type(s), one per shard key column',
      'tables.d.resolver.bounds.0.shard: unknown shard "s9"',
    ]);
  });

  it('reports unreadable files and YAML syntax errors with the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(
      /cannot read the configuration file .*missing\.yaml/,
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'shards: 4\ntables:\n  users: { shardKey: id\n');
    expect(() => loadConfigFile(bad)).toThrow(/bad\.yaml is not valid YAML at line \d+/);
    const wrong = join(dir, 'wrong.yaml');
    writeFileSync(wrong, 'shards: 4\ndataDir: data\ntables:\n  users: { shardkey: id }\n');
    expect(() => loadConfigFile(wrong)).toThrow(/tables\.users\.shardkey: unknown field/);
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'shards: 2\ndataDir: data\n');
    expect(loadConfigFile(good).dataDir).toBe(join(dir, 'data'));
  });
});
