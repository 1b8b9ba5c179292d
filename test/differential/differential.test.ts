// The hand-written differential suite of cross-shard reads: every case through Switchyard over 4
// shards (embedded PGlite, then real PostgreSQL 15) and on one unsharded oracle database holding the
// same shop rows, plus the forms Switchyard must refuse with 0A000.
import { afterAll, beforeAll, describe } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { aggregateCases } from './cases-aggregates.js';
import { groupingCases } from './cases-grouping.js';
import { joinCases } from './cases-joins.js';
import { lookupCases } from './cases-lookups.js';
import { orderCases } from './cases-order.js';
import { refusedStatements } from './refused.js';
import { differentialSuite, pgliteOracle, postgresOracle, type Themes } from './suite.js';

const themes: Themes = {
  'lookups, scans and text': lookupCases,
  'ORDER BY, LIMIT/OFFSET, DISTINCT': orderCases,
  aggregates: aggregateCases,
  'GROUP BY and HAVING': groupingCases,
  'joins, reference tables, pinned subqueries': joinCases,
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
