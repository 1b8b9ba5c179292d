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
    return new PostgresBackend(shard, { ...options.postgres, connectionString: address });
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
