// One process at a time per embedded data directory. Two PGlite instances writing the same files
// corrupt the database, and PostgreSQL's own postmaster.pid cannot prevent it here: inside
// WebAssembly every instance has the same made-up process id. So the backend keeps a lock file with
// the real process id in the data directory while the shard is open.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SqlState } from '../util/errors.js';
import { ShardError } from './shard-error.js';

const lockFileName = 'switchyard.pid';

/** Directories this process holds, since a lock file naming our own pid cannot tell us apart. */
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
 * Takes the lock on `dataDir` for this process and returns the function that gives it back. A lock
 * left by a process that no longer runs is taken over; one held by a live process (or by this
 * process, for a shard opened twice) is refused with a ShardError.
 */
export function lockDataDir(shard: string, dir: string): () => void {
  const dataDir = resolve(dir);
  const path = join(dataDir, lockFileName);
  if (heldHere.has(dataDir)) throw inUse(shard, dataDir, 'this process already has it open');
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
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw inUse(shard, dataDir, `process ${owner} has it open`);
      }
      // Left by a process that died (or by an earlier run that had our pid): take it over.
      unlinkSync(path);
    }
  }
  heldHere.add(dataDir);
  return () => {
    if (!heldHere.delete(dataDir)) return;
    try {
      unlinkSync(path);
    } catch {
      // Already gone (the directory was removed); nothing to give back.
    }
  };
}

function inUse(shard: string, dataDir: string, why: string): ShardError {
  return new ShardError(
    shard,
    SqlState.objectNotInPrerequisiteState,
    `the embedded database in ${dataDir} is in use: ${why}. Stop the other Switchyard (or close the other backend) first; two at once would corrupt it`,
  );
}
