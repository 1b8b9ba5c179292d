// What a user of any Postgres client sees through Switchyard's front end, run against embedded shards
// and against real PostgreSQL shards alike: node-postgres (simple, extended, named prepared
// statements), postgres.js, Kysely, psql and pgbench, transactions, DDL, COPY and the refusals.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kysely, sql as ksql, PostgresDialect } from 'kysely';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasherFor } from '../../src/keyspace/hasher-for.js';
import { postgresPointSql } from '../../src/keyspace/postgres-point-sql.js';
import { rangePredicateSql } from '../../src/keyspace/range-predicate-sql.js';
import { ShardMap } from '../../src/keyspace/shard-map.js';
import { findPgBin } from '../harness/postgres-server.js';
import { type ShardPlacement, type Switchyard, startSwitchyard } from './switchyard-harness.js';

const run = promisify(execFile);
const pgBin = findPgBin();
// psql and pgbench of the installed server; Debian also puts psql on the PATH.
const tool = (name: string) => (pgBin ? join(pgBin, name) : name);

/** The shard that owns an int8 key, computed the way routing does. */
function ownerOf(sy: Switchyard, key: number): string {
  const catalog = sy.cluster.catalog.current();
  const id = ShardMap.fromShards(catalog.shards).shardOf(hasherFor('postgres').point(['int8'], [key]));
  return catalog.shards.find((s) => s.id === id)!.name;
}

/** Two tenant ids that live on different shards. */
function tenantsOnTwoShards(sy: Switchyard): [number, number] {
  const first = ownerOf(sy, 1);
  for (let id = 2; id < 1000; id++) if (ownerOf(sy, id) !== first) return [1, id];
  throw new Error('all tenants on one shard');
}

/** Declares the client suite for shards placed by `placement()`. */
export function clientSuite(placement: () => ShardPlacement): void {
  let sy: Switchyard;
  let client: pg.Client;
  beforeAll(async () => {
    sy = await startSwitchyard(placement(), {
      sample: true,
      tables: {
        events: { shardKey: 'tenant_id' },
        pgbench_accounts: { shardKey: 'aid' },
        pgbench_branches: { reference: true },
        pgbench_tellers: { reference: true },
        reference_notes: { reference: true },
      },
    });
    client = await sy.client();
  });
  afterAll(() => sy?.stop());

  describe('node-postgres', () => {
    it('runs single-shard statements with the simple and the extended protocol', async () => {
      const simple = await client.query('SELECT id, name, region FROM tenants WHERE id = 42');
      expect(simple.rows).toEqual([{ id: '42', name: 'tenant-42', region: 'ap-south' }]);
      const extended = await client.query('SELECT count(*)::int AS n FROM tasks WHERE tenant_id = $1', [7]);
      expect(extended.rows).toEqual([{ n: 30 }]);
      const joined = await client.query(
        'SELECT u.name, count(t.id)::int AS tasks FROM users u JOIN tasks t ON t.tenant_id = u.tenant_id AND t.assignee_id = u.id ' +
          'WHERE u.tenant_id = $1 GROUP BY u.name ORDER BY u.name',
        [3],
      );
      expect(joined.rows.length).toBeGreaterThan(0);
      const withPlans = await client.query(
        'SELECT t.name, p.name AS plan FROM tenants t JOIN plans p ON p.id = t.plan_id WHERE t.id = $1',
        [5],
      );
      expect(withPlans.rows).toEqual([{ name: 'tenant-5', plan: 'enterprise' }]);
    });

    it('reuses a named prepared statement for keys on different shards', async () => {
      const [a, b] = tenantsOnTwoShards(sy);
      const q = { name: 'tenant_by_id', text: 'SELECT name FROM tenants WHERE id = $1' };
      expect((await client.query({ ...q, values: [a] })).rows).toEqual([{ name: `tenant-${a}` }]);
      expect((await client.query({ ...q, values: [b] })).rows).toEqual([{ name: `tenant-${b}` }]);
      expect((await client.query({ ...q, values: [a] })).rows).toEqual([{ name: `tenant-${a}` }]);
    });

    it("writes with RETURNING and ON CONFLICT on the row's shard", async () => {
      const inserted = await client.query(
        "INSERT INTO projects (tenant_id, id, name) VALUES ($1, 900001, 'new') RETURNING id, archived",
        [11],
      );
      expect(inserted.rows).toEqual([{ id: '900001', archived: false }]);
      const upserted = await client.query(
        "INSERT INTO projects (tenant_id, id, name) VALUES (11, 900001, 'again') ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name RETURNING name",
      );
      expect(upserted.rows).toEqual([{ name: 'again' }]);
      const updated = await client.query(
        'UPDATE projects SET archived = true WHERE tenant_id = $1 AND id = $2 RETURNING archived',
        [11, 900001],
      );
      expect(updated.rows).toEqual([{ archived: true }]);
      expect((await client.query('DELETE FROM projects WHERE tenant_id = 11 AND id = 900001')).rowCount).toBe(
        1,
      );
    });

    it('refuses what it cannot answer correctly, with SQLSTATE 0A000 and what to do', async () => {
      await expect(client.query('SELECT id, rank() OVER (ORDER BY id) FROM tenants')).rejects.toMatchObject({
        code: '0A000',
        message: expect.stringMatching(/window/i),
      });
      // A cross-shard read the merge can answer exactly is answered.
      expect((await client.query('SELECT count(*)::int AS n FROM tenants')).rows).toEqual([{ n: 1000 }]);
      // Writes across shards commit with two-phase commit; what cannot be written exactly is refused.
      const [a, b] = tenantsOnTwoShards(sy);
      const touched = await client.query('UPDATE tenants SET name = name WHERE id IN ($1, $2)', [a, b]);
      expect(touched.rowCount).toBe(2);
      await expect(client.query('UPDATE tenants SET id = id + 1 WHERE id = $1', [a])).rejects.toMatchObject({
        code: '0A000',
        message: expect.stringContaining('moves the row to another shard'),
      });
      await expect(client.query("UPDATE plans SET name = 'x' || random()")).rejects.toMatchObject({
        code: '0A000',
        message: expect.stringContaining('random() would give a different value on each shard'),
      });
      await expect(client.query('SELEC 1')).rejects.toMatchObject({ code: '42601', position: '1' });
      // The session is still usable after errors.
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it('runs a transaction over several shards, sees its own writes, and rolls back cleanly', async () => {
      const [a, b] = tenantsOnTwoShards(sy);
      await client.query('BEGIN');
      await client.query('UPDATE tenants SET name = $2 WHERE id = $1', [a, 'in-txn']);
      expect((await client.query('SELECT name FROM tenants WHERE id = $1', [a])).rows).toEqual([
        { name: 'in-txn' },
      ]);
      // Reading and writing another shard inside the transaction is fine.
      expect((await client.query('SELECT name FROM tenants WHERE id = $1', [b])).rows).toEqual([
        { name: `tenant-${b}` },
      ]);
      await client.query('UPDATE tenants SET name = $2 WHERE id = $1', [b, 'x']);
      expect(
        (await client.query('SELECT name FROM tenants WHERE id IN ($1, $2) ORDER BY id', [a, b])).rows.map(
          (r) => r.name,
        ),
      ).toEqual(a < b ? ['in-txn', 'x'] : ['x', 'in-txn']);
      await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      await client.query('ROLLBACK');
      expect(
        (await client.query('SELECT name FROM tenants WHERE id IN ($1, $2) ORDER BY id', [a, b])).rows.map(
          (r) => r.name,
        ),
      ).toEqual([`tenant-${Math.min(a, b)}`, `tenant-${Math.max(a, b)}`]);

      await client.query('BEGIN');
      await client.query('UPDATE tenants SET region = $2 WHERE id = $1', [a, 'moon']);
      await client.query('SAVEPOINT before_mistake');
      await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
      await client.query('ROLLBACK TO SAVEPOINT before_mistake');
      await client.query('COMMIT');
      expect((await client.query('SELECT region FROM tenants WHERE id = $1', [a])).rows).toEqual([
        { region: 'moon' },
      ]);
    });

    it('creates a sharded table on every shard with a CHECK that refuses misrouted rows', async () => {
      await client.query(
        'CREATE TABLE events (tenant_id bigint NOT NULL, id bigint NOT NULL, kind text, PRIMARY KEY (tenant_id, id))',
      );
      expect(sy.cluster.catalog.current().tables.events).toMatchObject({ keyTypes: ['int8'] });
      await client.query("INSERT INTO events (tenant_id, id, kind) VALUES ($1, 1, 'signup')", [77]);
      await expect(client.query("INSERT INTO events VALUES (77, 3, 'no column list')")).rejects.toMatchObject(
        {
          message: expect.stringContaining('must name its columns'),
        },
      );
      expect((await client.query('SELECT kind FROM events WHERE tenant_id = 77')).rows).toEqual([
        { kind: 'signup' },
      ]);
      const owner = ownerOf(sy, 77);
      const wrong = sy.cluster.shards().find((s) => s.name !== owner)!.name;
      await expect(
        sy.cluster.backend(wrong).query("INSERT INTO events VALUES (77, 2, 'misrouted')"),
      ).rejects.toMatchObject({
        code: '23514',
        message: expect.stringContaining('events_switchyard_range'),
      });
      // Every shard has the table (DDL ran everywhere).
      for (const backend of sy.cluster.backends()) {
        expect((await backend.query("select to_regclass('events') is not null")).rows).toEqual([['t']]);
      }
    });

    it('runs DDL on every shard atomically: a shard that fails it leaves every shard unchanged', async () => {
      const shards = sy.cluster.shards().map((s) => s.name);
      const third = shards[2]!;
      // Make the third shard differ: it already has the table.
      await sy.cluster.backend(third).exec('CREATE TABLE reference_notes (id int)');
      const error = await client.query('CREATE TABLE reference_notes (id int)').catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: '42P07',
        message: `shard ${third}: relation "reference_notes" already exists`,
      });
      for (const backend of sy.cluster.backends()) {
        const exists = (await backend.query("select to_regclass('reference_notes') is not null")).rows;
        expect(exists).toEqual([[backend.shard === third ? 't' : 'f']]);
      }
      // IF NOT EXISTS brings every shard to the same schema.
      await client.query('CREATE TABLE IF NOT EXISTS reference_notes (id int)');
      for (const backend of sy.cluster.backends()) {
        expect((await backend.query("select to_regclass('reference_notes') is not null")).rows).toEqual([
          ['t'],
        ]);
      }
      for (const backend of sy.cluster.backends()) expect(await backend.listPrepared('')).toEqual([]);
    });

    it('puts a table the configuration does not name on the home shard, and says so', async () => {
      const notices: string[] = [];
      client.on('notice', (n) => notices.push(n.message ?? ''));
      await client.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
      await client.query("INSERT INTO notes VALUES (1, 'hello'), (2, 'world')");
      expect((await client.query('SELECT body FROM notes ORDER BY id')).rows).toEqual([
        { body: 'hello' },
        { body: 'world' },
      ]);
      expect(notices.some((n) => n.includes('is not sharded: it lives on the home shard'))).toBe(true);
      const home = sy.cluster.catalog.current().homeShard;
      expect((await sy.cluster.backend(home).query('select count(*) from notes')).rows).toEqual([['2']]);
    });

    it('forwards SET to the shards the session uses and SHOW answers from them', async () => {
      const other = await sy.client();
      await other.query("SET statement_timeout = '1234ms'");
      await other.query('SELECT 1 FROM tenants WHERE id = 9');
      expect((await other.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '1234ms' }]);
      await other.query('RESET statement_timeout');
      expect((await other.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
    });
  });

  it('postgres.js: prepared statements, a transaction, a cross-shard read, a refusal', async () => {
    const sql = postgres(sy.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql`SELECT name FROM tenants WHERE id = ${21}`;
      expect(rows).toEqual([{ name: 'tenant-21' }]);
      const again = await sql`SELECT name FROM tenants WHERE id = ${22}`;
      expect(again).toEqual([{ name: 'tenant-22' }]);
      await sql.begin(async (tx) => {
        await tx`UPDATE tenants SET plan_id = 4 WHERE id = ${21}`;
        expect(await tx`SELECT plan_id FROM tenants WHERE id = ${21}`).toEqual([{ plan_id: 4 }]);
      });
      expect(await sql`SELECT count(*)::int AS n FROM users`).toEqual([{ n: 10000 }]);
      await expect(sql`SELECT string_agg(name, ',') FROM users`).rejects.toMatchObject({ code: '0A000' });
    } finally {
      await sql.end();
    }
  });

  it('Kysely with its Postgres dialect', async () => {
    interface DB {
      tenants: { id: string; name: string; plan_id: number; region: string };
      notes: { id: number; body: string };
    }
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: sy.url, max: 2 }) }),
    });
    try {
      const tenant = await db
        .selectFrom('tenants')
        .select(['name', 'region'])
        .where('id', '=', '8')
        .executeTakeFirst();
      expect(tenant).toEqual({ name: 'tenant-8', region: 'eu-west' });
      await db.insertInto('notes').values({ id: 3, body: 'kysely' }).execute();
      const note = await db.selectFrom('notes').select('body').where('id', '=', 3).executeTakeFirstOrThrow();
      expect(note.body).toBe('kysely');
      const { rows } = await ksql<{ v: string }>`select version() as v`.execute(db);
      expect(rows[0]?.v).toContain('PostgreSQL');
    } finally {
      await db.destroy();
    }
  });

  describe.skipIf(!pgBin)('psql and pgbench', () => {
    const connection = () => [
      '-X',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      '127.0.0.1',
      '-p',
      String(sy.port),
      '-U',
      'postgres',
      '-d',
      'postgres',
    ];
    const psql = async (...args: string[]) => (await run(tool('psql'), [...connection(), ...args])).stdout;
    /** psql with `input` on its standard input; resolves with its exit code and all it printed. */
    const psqlWithInput = (input: string, ...args: string[]) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = execFile(tool('psql'), [...connection(), ...args], (_error, stdout, stderr) =>
          resolve({ code: child.exitCode, output: stdout + stderr }),
        );
        child.stdin?.end(input);
      });

    it('psql: meta-commands and version() are answered from one shard', async () => {
      expect(await psql('-A', '-t', '-c', 'SELECT version()')).toContain('PostgreSQL');
      const tables = await psql('-c', '\\dt');
      for (const t of ['tenants', 'users', 'tasks', 'plans']) expect(tables).toContain(t);
      const described = await psql('-c', '\\d+ tenants');
      expect(described).toContain('tenants_switchyard_range');
      expect(await psql('-c', '\\d')).toContain('projects');
      // psql's \l query names catalog columns of its own major version: an older psql than the
      // shards' server (psql 15 against PGlite's PostgreSQL 18) fails there exactly as it would
      // against that server directly.
      const psqlMajor = Number(/(\d+)\./.exec((await run(tool('psql'), ['--version'])).stdout)?.[1]);
      const serverMajor = Number(
        (await psql('-A', '-t', '-c', 'SHOW server_version_num')).trim().slice(0, -4),
      );
      if (psqlMajor >= serverMajor) expect(await psql('-c', '\\l')).toContain('List of databases');
      expect(await psql('-c', '\\dn')).toContain('public');
    });

    it('psql: COPY of a sharded table to stdout reads every shard; \\copy into a home table', async () => {
      const out = await psql('-c', 'COPY tenants (id) TO STDOUT');
      const ids = out
        .trim()
        .split('\n')
        .map(Number)
        .sort((x, y) => x - y);
      expect(ids.length).toBe(1000);
      expect(ids[0]).toBe(1);
      expect(ids[999]).toBe(1000);
      const copied = await psqlWithInput('10\tfrom copy\n11\tand more\n', '-c', '\\copy notes from stdin');
      expect(copied.code).toBe(0);
      expect((await client.query('SELECT count(*)::int AS n FROM notes WHERE id >= 10')).rows).toEqual([
        { n: 2 },
      ]);
    });

    it('psql: COPY FROM STDIN into a sharded table goes to the shards of its rows, atomically', async () => {
      const [a, b] = tenantsOnTwoShards(sy);
      const rows = (tenant: number, from: number) =>
        [0, 1, 2]
          .map((i) => `${tenant}\t${from + i}\t${(tenant - 1) * 5 + 1}\tcopied ${i}\ttodo\t3\n`)
          .join('');
      const columns = '\\copy tasks (tenant_id, id, project_id, title, status, priority) from stdin';
      const one = await psqlWithInput(rows(a, 800000), '-c', columns);
      expect(one.output).toContain('COPY 3');
      expect(
        (
          await client.query('SELECT count(*)::int AS n FROM tasks WHERE tenant_id = $1 AND id >= 800000', [
            a,
          ])
        ).rows,
      ).toEqual([{ n: 3 }]);
      // Rows of two shards: one COPY per shard, committed together with two-phase commit.
      const both = await psqlWithInput(rows(a, 810000) + rows(b, 810000), '-c', columns);
      expect(both.output).toContain('COPY 6');
      const copied = async (from: number) =>
        (
          await client.query(
            'SELECT count(*)::int AS n FROM tasks WHERE tenant_id IN ($1, $2) AND id >= $3 AND id < $3 + 10000',
            [a, b, from],
          )
        ).rows;
      expect(await copied(810000)).toEqual([{ n: 6 }]);
      // A row one shard refuses (a duplicate key) leaves no row on any shard.
      const refused = await psqlWithInput(rows(a, 820000) + rows(b, 810000), '-c', columns);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain('duplicate key');
      expect(await copied(820000)).toEqual([{ n: 0 }]);
      // No column list: the key's position comes from the table's own column order.
      const tenant = await psqlWithInput(
        `${a + 5000}\tcopied tenant\t1\teu-west\t2025-01-01 00:00:00+00\n`,
        '-c',
        '\\copy tenants from stdin',
      );
      expect(tenant.output).toContain('COPY 1');
      expect((await client.query('SELECT name FROM tenants WHERE id = $1', [a + 5000])).rows).toEqual([
        { name: 'copied tenant' },
      ]);
    });

    it('pgbench -S with simple, extended and prepared protocols', async () => {
      await psql(
        '-c',
        'CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))',
        '-c',
        'CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88))',
        '-c',
        'CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84))',
        '-c',
        'CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))',
      );
      // Until distributed writes exist, each shard is loaded with its own rows (its CHECK verifies them)
      // and the reference tables with all of theirs.
      const catalog = sy.cluster.catalog.current();
      for (const shard of catalog.shards) {
        const owns = rangePredicateSql(postgresPointSql([{ expression: 'aid', type: 'int4' }]), shard.ranges);
        const backend = sy.cluster.backend(shard.name);
        await backend.exec(
          `INSERT INTO pgbench_accounts SELECT aid, 1, 0, '' FROM generate_series(1, 100000) AS aid WHERE ${owns};` +
            "INSERT INTO pgbench_branches VALUES (1, 0, ''); INSERT INTO pgbench_tellers SELECT t, 1, 0, '' FROM generate_series(1, 10) t;",
        );
      }
      for (const mode of ['simple', 'extended', 'prepared']) {
        const { stdout } = await run(tool('pgbench'), [
          '-n',
          '-S',
          '-M',
          mode,
          '-c',
          '2',
          '-j',
          '1',
          '-t',
          '200',
          '-h',
          '127.0.0.1',
          '-p',
          String(sy.port),
          '-U',
          'postgres',
          'postgres',
        ]);
        expect(stdout).toContain('number of transactions actually processed: 400/400');
        expect(stdout).toMatch(/number of failed transactions: 0/);
      }
    });
  });
}
