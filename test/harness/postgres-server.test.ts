import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from './describe-postgres.js';
import { type PgServer, startPostgres } from './postgres-server.js';

describeWithPostgres('test harness: PostgreSQL server', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('starts a server with two-phase commit and logical decoding enabled', async () => {
    const client = new pg.Client(server.url());
    await client.connect();
    try {
      const { rows } = await client.query(
        "select current_setting('max_prepared_transactions') as mpt, current_setting('wal_level') as wal, current_setting('lc_collate') as coll",
      );
      expect(rows[0]).toEqual({ mpt: '64', wal: 'logical', coll: 'C' });
    } finally {
      await client.end();
    }
  });
});
