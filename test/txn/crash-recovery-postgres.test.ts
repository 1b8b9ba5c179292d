// Two-phase commit and crash recovery on PostgreSQL shards (four databases on one server) with the
// coordinator log in a fifth (the catalog database); a restart ends every pool and opens new ones.
// Also the refusal of a server whose max_prepared_transactions is 0.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backend/postgres-backend.js';
import { Coordinator } from '../../src/txn/coordinator.js';
import { MemoryTxnLog } from '../../src/txn/memory-txn-log.js';
import { PostgresTxnLog } from '../../src/txn/postgres-txn-log.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { crashRecoverySuite } from './crash-recovery.suite.js';
import { beginOn, openedShards, type RealShardsFixture } from './support/real-shards.js';

const shards = ['s0', 's1', 's2', 's3'];

async function createDatabases(server: PgServer, names: readonly string[]): Promise<void> {
  const admin = new pg.Client(server.url());
  await admin.connect();
  try {
    for (const name of names) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

describeWithPostgres('two-phase commit on PostgreSQL shards', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
    await createDatabases(server, [...shards, 'catalog']);
  });
  afterAll(() => server?.stop());

  const fixture: RealShardsFixture = {
    shards,
    embedded: false,
    open: async () =>
      openedShards(
        new PostgresTxnLog({ connection: server.url('catalog') }),
        shards.map((s) => new PostgresBackend(s, { connectionString: server.url(s), poolSize: 8 })),
      ),
  };
  crashRecoverySuite(() => fixture);
});

describeWithPostgres('two-phase commit refused by a server with max_prepared_transactions = 0', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres({ settings: { max_prepared_transactions: '0' } });
    await createDatabases(server, ['n0', 'n1']);
  });
  afterAll(() => server?.stop());

  it('names the shard and the setting, before and at commit', async () => {
    const opened = openedShards(
      new MemoryTxnLog(),
      ['n0', 'n1'].map((s) => new PostgresBackend(s, { connectionString: server.url(s), poolSize: 2 })),
    );
    try {
      for (const backend of opened.backends()) {
        await backend.exec('CREATE TABLE txn_rows (tag text NOT NULL, shard text NOT NULL)');
      }
      const coordinator = new Coordinator({ log: opened.log, shards: opened, routerId: 'router-1' });
      const refusal = await coordinator.requireTwoPhase('n1').catch((e: unknown) => e);
      expect(refusal).toMatchObject({ name: 'TxnError', code: '55000', shard: 'n1' });
      expect((refusal as Error).message).toMatch(
        /^shard "n1" has max_prepared_transactions = 0, so it cannot take part in a transaction that writes to several shards.*Set max_prepared_transactions/,
      );
      const error = await coordinator
        .commit(coordinator.newGid(), await beginOn(opened, ['n0', 'n1'], 'mpt'))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TxnError', code: '40000' });
      expect((error as Error).message).toMatch(
        /prepared transactions are disabled.*set max_prepared_transactions above 0/,
      );
      for (const backend of opened.backends()) {
        expect((await backend.query('SELECT count(*) FROM txn_rows')).rows).toEqual([['0']]);
      }
    } finally {
      await opened.close();
    }
  });
});
