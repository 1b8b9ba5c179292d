// One process at a time per coordinator log file. Two processes appending decisions to the same file
// would each believe it holds every decision, and first-writer-wins would no longer hold between
// them. So the log keeps a lock file with the real process id next to it while it is open; a lock
// left by a process that no longer runs is taken over (as src/backend/data-dir-lock.ts does for
// embedded shards).
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { TxnLogError, TxnSqlState } from './txn-errors.js';

/** Lock files this process holds: a lock file naming our own pid cannot tell two owners here apart. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock file at `lockPath` for this process and returns the function that gives it back.
 *
 * @throws TxnLogError 55006 when a live process (or this one) holds it; 58030 when it cannot be written.
 */
export function lockLogFile(lockPath: string, logPath: string): () => void {
  const path = resolve(lockPath);
  if (heldHere.has(path)) throw inUse(logPath, 'this process already has it open');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' || attempt > 0) {
        throw new TxnLogError(
          TxnSqlState.ioError,
          `cannot create the lock file ${path} of the coordinator log (${(error as Error).message}); check the data directory's permissions`,
          { cause: error },
        );
      }
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw inUse(logPath, `process ${owner} has it open`);
      }
      // Left by a process that died (or by an earlier run that had our pid): take it over.
      unlinkSync(path);
    }
  }
  heldHere.add(path);
  return () => {
    if (!heldHere.delete(path)) return;
    try {
      unlinkSync(path);
    } catch {
      // Already gone (the directory was removed); nothing to give back.
    }
  };
}

function inUse(logPath: string, why: string): TxnLogError {
  return new TxnLogError(
    TxnSqlState.objectInUse,
    `the coordinator log ${logPath} is in use: ${why}. Stop the other Switchyard (or close the other log) first; two writers would break its guarantees`,
  );
}
