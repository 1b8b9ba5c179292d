// One process at a time per coordinator log file. Two processes appending decisions to the same file
// would each believe it holds every decision, and first-writer-wins would no longer hold between
// them. So the log keeps a lock file with the real process id next to it while it is open; a lock
// left by a process that no longer runs is taken over (as src/backend/data-dir-lock.ts does for
// embedded shards).
import { resolve } from 'node:path';
import { takePidLock } from '../util/pid-lock-file.js';
import { TxnLogError, TxnSqlState } from './txn-errors.js';

/**
 * Takes the lock file at `lockPath` for this process and returns the function that gives it back.
 *
 * @throws TxnLogError 55006 when a live process (or this one) holds it; 58030 when it cannot be written.
 */
export function lockLogFile(lockPath: string, logPath: string): () => void {
  const path = resolve(lockPath);
  return takePidLock(path, {
    inUse: (why) => inUse(logPath, why),
    cannotCreate: (cause) =>
      new TxnLogError(
        TxnSqlState.ioError,
        `cannot create the lock file ${path} of the coordinator log (${cause.message}); check the data directory's permissions`,
        { cause },
      ),
  });
}

function inUse(logPath: string, why: string): TxnLogError {
  return new TxnLogError(
    TxnSqlState.objectInUse,
    `the coordinator log ${logPath} is in use: ${why}. Stop the other Switchyard (or close the other log) first; two writers would break its guarantees`,
  );
}
