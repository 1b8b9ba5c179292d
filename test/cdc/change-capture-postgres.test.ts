import { afterAll, beforeAll } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { changeCaptureSuite } from './change-capture.suite.js';

describeWithPostgres('change capture on PostgreSQL shards', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  changeCaptureSuite(() => ({ kind: 'postgres', server, shards: 3 }));
});
