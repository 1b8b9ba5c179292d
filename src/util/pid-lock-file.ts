// A lock file holding the real process id, for resources one process at a time may own (an embedded
// shard's data directory, the coordinator log). A lock left by a process that no longer runs is
// taken over; one held by a live process, or already by this one, is refused. (Inside WebAssembly
// PostgreSQL's own postmaster.pid cannot do this: every instance has the same made-up pid.)
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

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

/** The errors a lock's owner reports in its own terms. */
export interface PidLockErrors {
  /** The resource is held: `why` says by whom. */
  inUse(why: string): Error;
  /** The lock file could not be created (permissions, a missing directory). */
  cannotCreate(cause: Error): Error;
}

/**
 * Takes the lock file at `lockPath` for this process and returns the function that gives it back
 * (calling it twice does nothing).
 */
export function takePidLock(lockPath: string, errors: PidLockErrors): () => void {
  const path = resolve(lockPath);
  if (heldHere.has(path)) throw errors.inUse('this process already has it open');
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
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw errors.cannotCreate(error as Error);
      }
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw errors.inUse(`process ${owner} has it open`);
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
