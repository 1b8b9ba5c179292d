// Prepares an embedded shard for change capture (see changelog-sql.ts) and registers consumers.
import type { ShardBackend } from '../../backend/shard-backend.js';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import {
  changelogSchema,
  changelogVersion,
  installChangelogSql,
  registerConsumerSql,
} from './changelog-sql.js';

/**
 * Installs the changelog, its triggers on every table and the event trigger that follows new and
 * altered tables, unless this version is installed already; then registers `consumers` that are not
 * registered yet (each sees changes committed from its registration on). One transaction.
 *
 * @example await installPgliteCapture(cluster.backend('s0'), ['views']);
 */
export async function installPgliteCapture(db: ShardBackend, consumers: readonly string[]): Promise<void> {
  const { rows } = await db.query(
    `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`,
    [changelogSchema],
  );
  const installed = rows[0]?.[0] === changelogVersion;
  const session = await db.session();
  try {
    await session.exec('BEGIN');
    if (!installed) await session.exec(installChangelogSql);
    for (const consumer of consumers) await session.query(registerConsumerSql, [consumer]);
    await session.exec('COMMIT');
  } catch (error) {
    throw new CdcError(
      CdcErrorCode.notInPrerequisiteState,
      `could not install change capture: ${error instanceof Error ? error.message : String(error)}`,
      { shard: db.shard, cause: error },
    );
  } finally {
    await session.release();
  }
}

/** Forgets a consumer: the changelog no longer keeps rows for it. */
export async function dropPgliteConsumer(db: ShardBackend, consumer: string): Promise<void> {
  await db.query(`DELETE FROM ${changelogSchema}.consumers WHERE name = $1`, [consumer]);
}
