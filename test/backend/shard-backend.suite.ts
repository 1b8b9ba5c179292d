// The behaviour every ShardBackend must have, declared once and run against each implementation
// (pglite-backend.test.ts, postgres-backend.test.ts). Tests share one open shard and keep out of
// each other's way with their own table names and gid prefixes.
import { afterAll, beforeAll } from 'vitest';
import type { ShardBackend } from '../../src/backend/shard-backend.js';
import { resultsSuite } from './suite/results.suite.js';
import { sessionsSuite } from './suite/sessions.suite.js';
import { streamsSuite } from './suite/streams.suite.js';
import type { ShardBackendFixture } from './suite/suite-helpers.js';
import { twoPhaseCommitSuite } from './suite/two-phase-commit.suite.js';

export { type ShardBackendFixture, shardErrorOf, uniqueName } from './suite/suite-helpers.js';

/** Declares the shared ShardBackend tests; `fixture` is called once the suite's hooks run. */
export function shardBackendSuite(fixture: () => ShardBackendFixture): void {
  let backend: ShardBackend;
  const shard = 'suite';

  beforeAll(async () => {
    backend = await fixture().open(shard);
  });
  afterAll(async () => {
    await backend?.close();
  });

  const context = { backend: () => backend, shard, fixture };
  resultsSuite(context);
  streamsSuite(context);
  sessionsSuite(context);
  twoPhaseCommitSuite(context);
}
