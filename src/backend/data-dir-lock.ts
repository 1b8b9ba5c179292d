// One process at a time per embedded data directory. Two PGlite instances writing the same files
// corrupt the database, and PostgreSQL's own postmaster.pid cannot prevent it here: inside
// WebAssembly every instance has the same made-up process id. So the backend keeps a lock file with
// the real process id in the data directory while the shard is open.
import { join, resolve } from 'node:path';
import { SqlState } from '../util/errors.js';
import { takePidLock } from '../util/pid-lock-file.js';
import { ShardError } from './shard-error.js';

const lockFileName = 'switchyard.pid';

/**
 * Takes the lock on `dataDir` for this process and returns the function that gives it back. A lock
 * left by a process that no longer runs is taken over; one held by a live process (or by this
 * process, for a shard opened twice) is refused with a ShardError.
 */
export function lockDataDir(shard: string, dir: string): () => void {
  const dataDir = resolve(dir);
  return takePidLock(join(dataDir, lockFileName), {
    inUse: (why) => inUse(shard, dataDir, why),
    // As before: the file system's own error (a missing or read-only directory) goes up as it is.
    cannotCreate: (cause) => cause,
  });
}

function inUse(shard: string, dataDir: string, why: string): ShardError {
  return new ShardError(
    shard,
    SqlState.objectNotInPrerequisiteState,
    `the embedded database in ${dataDir} is in use: ${why}. Stop the other Switchyard (or close the other backend) first; two at once would corrupt it`,
  );
}
