// PostgresTxnLog against a real server: the shared TxnLog contract (with two logs on one table, as
// two routers), the table it creates, and an unreachable database.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresTxnLog } from '../../src/txn/postgres-txn-log.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { testGid, txnLogSuite } from './support/txn-log.suite.js';

describeWithPostgres('PostgresTxnLog', () => {
  let server: PgServer;
  let tables = 0;
  let table = '';
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  txnLogSuite({
    fresh: async () => {
      table = `decisions_${++tables}`;
      return new PostgresTxnLog({ connection: server.url(), table });
    },
    reopen: async () => new PostgresTxnLog({ connection: server.url(), table }),
    concurrentOpen: true,
  });

  it('creates its table with one decision per gid', async () => {
    const log = new PostgresTxnLog({ connection: server.url() });
    const gid = testGid();
    try {
      await log.decide(gid, 'commit', ['s0', 's1'], 'router-1');
    } finally {
      await log.close();
    }
    const client = new pg.Client(server.url());
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT gid, decision, participants, router, decided_at IS NOT NULL AS dated FROM switchyard_txn_decisions',
      );
      expect(rows).toEqual([
        { gid, decision: 'commit', participants: ['s0', 's1'], router: 'router-1', dated: true },
      ]);
      await expect(
        client.query(
          `INSERT INTO switchyard_txn_decisions (gid, decision, participants) VALUES ('x', 'maybe', '{}')`,
        ),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await client.end();
    }
  });

  it('refuses a table name that is not a plain identifier', () => {
    expect(() => new PostgresTxnLog({ connection: server.url(), table: 'x; drop table y' })).toThrow(
      /invalid coordinator log table/,
    );
  });

  it('reports an unreachable database with 08006, naming it', async () => {
    const log = new PostgresTxnLog({
      connection: server.url(),
      table: 'unreachable',
      connectTimeoutMs: 1000,
    });
    try {
      await log.decide(testGid(), 'abort', ['s0']);
      server.kill();
      const error = await log.pending().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TxnLogError', code: '08006' });
      expect((error as Error).message).toMatch(
        /coordinator log table unreachable in 127\.0\.0\.1:\d+\/postgres is unreachable/,
      );
    } finally {
      server.start();
      await log.close();
    }
  });
});
