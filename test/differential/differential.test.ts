// The hand-written differential suite of cross-shard reads: every case through Switchyard over 4
// shards (embedded PGlite, then real PostgreSQL 15) and on one unsharded oracle database holding the
// same shop rows, plus the forms Switchyard must refuse with 0A000.
import { afterAll, beforeAll, describe } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { lookupCases } from './cases-lookups.js';
import { refusedStatements } from './refused.js';
import { differentialSuite, pgliteOracle, postgresOracle, type Themes } from './suite.js';

const themes: Themes = {
  'lookups and scans': lookupCases,
};

describe('differential: the shop through Switchyard equals one unsharded database (embedded shards)', () => {
  differentialSuite(() => ({ kind: 'embedded', shards: 4 }), pgliteOracle, themes, refusedStatements);
});

describeWithPostgres('differential: the shop through Switchyard equals one unsharded database', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  differentialSuite(
    () => ({ kind: 'postgres', server, shards: 4 }),
    () => postgresOracle(server),
    themes,
    refusedStatements,
  );
});
