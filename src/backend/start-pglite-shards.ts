// Starts the embedded shards of a cluster: one PGlite database per shard under the cluster's data
// folder, new ones copied from the cached template, existing ones reopened as they are.
import { join } from 'node:path';
import { SqlState } from '../util/errors.js';
import { PgliteBackend, type PgliteBackendOptions } from './pglite-backend.js';
import { ensurePgliteTemplate } from './pglite-template.js';
import { ShardError } from './shard-error.js';

/** Shard names become directory names, so they are limited to a portable, unambiguous set. */
const shardNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Opens (creating where needed) the shards `names`, each in `<dataDir>/<name>`, in parallel. The
 * template is initialised at most once, before any copy. If one shard fails to open, those already
 * open are closed again and the error is thrown.
 *
 * @example
 *   const shards = await startPgliteShards(['s1', 's2', 's3', 's4'], '/data/cluster/shards');
 */
export async function startPgliteShards(
  names: readonly string[],
  dataDir: string,
  options: PgliteBackendOptions = {},
): Promise<PgliteBackend[]> {
  for (const name of names) {
    if (!shardNamePattern.test(name)) {
      throw new ShardError(
        name,
        SqlState.invalidParameterValue,
        'a shard name must be 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit',
      );
    }
  }
  await ensurePgliteTemplate(options.templateCacheDir);
  const opened = await Promise.allSettled(
    names.map((name) => PgliteBackend.open(name, join(dataDir, name), options)),
  );
  const failed = opened.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(
      opened.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)),
    );
    throw failed.reason;
  }
  return opened.map((result) => (result as PromiseFulfilledResult<PgliteBackend>).value);
}
