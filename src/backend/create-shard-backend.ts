// Opens the backend for a shard's primary address as the catalog records it: `pglite://<dir>` for
// an embedded shard, `postgres://…` (or `postgresql://…`) for a PostgreSQL server.
import { isAbsolute, resolve } from 'node:path';
import { SqlState } from '../util/errors.js';
import { PgliteBackend, type PgliteBackendOptions } from './pglite-backend.js';
import { PostgresBackend, type PostgresBackendOptions } from './postgres-backend.js';
import type { ShardBackend } from './shard-backend.js';
import type { ShardConnector } from './shard-connection.js';
import { ShardError } from './shard-error.js';

/** Settings for whichever backend the address asks for. */
export interface CreateShardBackendOptions {
  /** Relative `pglite://` directories are resolved against this folder (default: the working directory). */
  readonly baseDir?: string;
  readonly pglite?: PgliteBackendOptions;
  readonly postgres?: Omit<PostgresBackendOptions, 'connectionString'>;
}

/**
 * The backend for `address`. Both kinds also open raw protocol connections (`connect`) for the
 * wire front end.
 *
 * @example
 *   await createShardBackend('s1', 'pglite://shards/s1', { baseDir: dataDir });
 *   await createShardBackend('s2', 'postgres://app:secret@db2:5432/app', { postgres: { poolSize: 20 } });
 */
export async function createShardBackend(
  shard: string,
  address: string,
  options: CreateShardBackendOptions = {},
): Promise<ShardBackend & ShardConnector> {
  if (address.startsWith('pglite://')) {
    const path = decodeURIComponent(address.slice('pglite://'.length));
    if (!path) throw invalidAddress(shard, 'pglite:// needs a directory, e.g. pglite://shards/s1');
    const dir = isAbsolute(path) ? path : resolve(options.baseDir ?? process.cwd(), path);
    return PgliteBackend.open(shard, dir, options.pglite);
  }
  if (address.startsWith('postgres://') || address.startsWith('postgresql://')) {
    const backend = new PostgresBackend(shard, { ...options.postgres, connectionString: address });
    try {
      await checkCollation(backend);
    } catch (error) {
      await backend.close();
      throw error;
    }
    return backend;
  }
  // Only the scheme is shown: the rest of an address may hold a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(address)?.[0] ?? '(none)';
  throw invalidAddress(
    shard,
    `unsupported address scheme ${scheme}; use pglite://<dir> or postgres://host/db`,
  );
}

function invalidAddress(shard: string, message: string): ShardError {
  return new ShardError(shard, SqlState.invalidParameterValue, `invalid shard address: ${message}`);
}

// The merge orders and compares text as the C collation does (UTF-8 bytes, i.e. code points), and
// the shard key's range checks compare text that way too. A shard database whose default collation
// orders text otherwise would make cross-shard ORDER BY, min/max and range placement disagree with
// the shards, so it is refused at start rather than answered wrongly. A shard that cannot be reached
// now is not refused here: its connections fail with their own errors until it comes back.
const C_ORDER_COLLATIONS = new Set(['C', 'POSIX', 'C.UTF-8', 'C.utf8', 'ucs_basic']);

async function checkCollation(backend: PostgresBackend): Promise<void> {
  let row: (string | null)[] | undefined;
  try {
    // to_jsonb: datlocprovider exists from PostgreSQL 15 on ('c' libc, 'i' ICU, 'b' builtin).
    const result = await backend.query(
      "SELECT to_jsonb(d) ->> 'datcollate', to_jsonb(d) ->> 'datlocprovider' FROM pg_database d WHERE datname = current_database()",
    );
    row = result.rows[0];
  } catch {
    return;
  }
  const [collation, provider] = row ?? [];
  const problem =
    provider === 'i'
      ? 'an ICU default collation'
      : collation && !C_ORDER_COLLATIONS.has(collation)
        ? `collation ${collation}`
        : undefined;
  if (problem) {
    throw new ShardError(
      backend.shard,
      SqlState.invalidParameterValue,
      `the shard's database has ${problem}; Switchyard merges text across shards in C order, so its shards must use the C collation: create the database with CREATE DATABASE … TEMPLATE template0 LOCALE_PROVIDER libc LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'`,
    );
  }
}
