// The client suite over 4 shards that are databases of a real PostgreSQL server.
import { afterAll, beforeAll } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { clientSuite } from './clients.suite.js';

describeWithPostgres('clients through Switchyard, PostgreSQL shards', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  clientSuite(() => ({ kind: 'postgres', server, shards: 4 }));
});
