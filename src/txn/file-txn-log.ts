// The coordinator log of an embedded cluster: an append-only file of JSON lines in the data folder
// (see log-records.ts). A call resolves only after its record is written and fsynced, so a decision
// a caller was told about survives a crash or a power loss. Appends arriving while a write is in
// flight are batched into the next write and share its fsync (group commit).
//
// Opening replays the file; a last line cut short by a crash is cut off (no caller was ever told
// about it). When forgotten decisions make up most of the file it is compacted: the remembered ones
// are written to a temporary file, fsynced, renamed over the log and the directory fsynced, so a
// crash at any moment leaves the old file or the new one. A write or fsync that fails leaves the
// file's state unknown (an fsync error may have dropped pages), so the log then refuses every call
// until it is reopened: it never acts on a decision it is unsure is on disk.
//
// One process at a time: a lock file (`<file>.lock`) with the owner's pid sits next to the log.
import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { lockLogFile } from './log-file-lock.js';
import { decideLine, forgetLine, type LoggedDecision, replayLog } from './log-records.js';
import { messageOf, TxnLogError, TxnSqlState } from './txn-errors.js';
import { checkDecideArgs, checkGid, type Decision, type DecisionRecord, type TxnLog } from './txn-log.js';

/** Where a FileTxnLog lives and how it behaves. */
export interface FileTxnLogOptions {
  /** The cluster's data folder; created if missing. */
  readonly dataDir: string;
  /** File name inside `dataDir`; default `txn-decisions.jsonl`. */
  readonly fileName?: string;
  /** Compaction is considered once the file holds this many records (default 1000). */
  readonly compactMinRecords?: number;
  /** Wall-clock milliseconds, for `ageMs` (default `Date.now`). */
  readonly now?: () => number;
  /** Makes a file's writes durable; default `handle.sync()` (fsync). Tests pass one that counts. */
  readonly sync?: (handle: FileHandle) => Promise<void>;
}

interface Remembered extends LoggedDecision {
  /** Settles once the decision's record is on disk. */
  readonly durable: Promise<void>;
}

interface QueuedLine {
  readonly line: string;
  resolve(): void;
  reject(error: Error): void;
}

/** The default file name inside the data folder. */
export const defaultTxnLogFileName = 'txn-decisions.jsonl';

/**
 * A TxnLog in a file of the data folder (embedded mode). Open it with `FileTxnLog.open`.
 *
 * @example
 *   const log = await FileTxnLog.open({ dataDir: './switchyard-data' });
 *   await log.decide(gid, 'commit', ['s0', 's1']); // on disk when this resolves
 *   await log.close();
 */
export class FileTxnLog implements TxnLog {
  readonly location: string;
  readonly #entries: Map<string, Remembered>;
  readonly #compactMinRecords: number;
  readonly #now: () => number;
  readonly #sync: (handle: FileHandle) => Promise<void>;
  readonly #unlock: () => void;
  #handle: FileHandle;
  /** Records in the file (including those of forgotten decisions), for deciding when to compact. */
  #records: number;
  #queue: QueuedLine[] = [];
  /** The running flush loop (see `#append`). */
  #flushing: Promise<void> = Promise.resolve();
  #flushRunning = false;
  /** Set once a write failed: the file's state is unknown and the log refuses everything. */
  #failed: TxnLogError | undefined;
  #closing: Promise<void> | undefined;
  /** Times the file was compacted since it was opened (for tests and diagnostics). */
  compactions = 0;

  private constructor(
    path: string,
    handle: FileHandle,
    replayed: { entries: Map<string, LoggedDecision>; records: number },
    unlock: () => void,
    options: FileTxnLogOptions,
  ) {
    this.location = path;
    this.#handle = handle;
    this.#records = replayed.records;
    this.#entries = new Map(
      [...replayed.entries].map(([gid, e]) => [gid, { ...e, durable: Promise.resolve() }]),
    );
    this.#unlock = unlock;
    this.#compactMinRecords = options.compactMinRecords ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#sync = options.sync ?? ((h) => h.sync());
  }

  /**
   * Opens (creating if missing) the log in `options.dataDir` and replays it.
   *
   * @throws TxnLogError 55006 when another process (or another log in this one) has it open, XX001
   *   when a line is damaged, 58030 when the file cannot be read or written.
   */
  static async open(options: FileTxnLogOptions): Promise<FileTxnLog> {
    const path = resolve(options.dataDir, options.fileName ?? defaultTxnLogFileName);
    const sync = options.sync ?? ((h: FileHandle) => h.sync());
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw ioError(path, 'create the folder of', error);
    }
    const unlock = lockLogFile(`${path}.lock`, path);
    try {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, 'read', error);
      }
      const replayed = replayLog(bytes ?? new Uint8Array(), path);
      let handle: FileHandle;
      try {
        if (replayed.tornTail) await truncate(path, replayed.keptBytes);
        handle = await open(path, 'a', 0o644);
      } catch (error) {
        throw ioError(path, 'open', error);
      }
      try {
        await sync(handle);
        // A new file (or the cut-off one) must stay in its directory after a power loss.
        if (bytes === undefined || replayed.tornTail) await syncDirectory(dirname(path));
      } catch (error) {
        await handle.close().catch(() => {});
        throw ioError(path, 'fsync', error);
      }
      return new FileTxnLog(path, handle, replayed, unlock, options);
    } catch (error) {
      unlock();
      throw error;
    }
  }

  async decide(
    gid: string,
    decision: Decision,
    participants: readonly string[],
    decidedBy = '',
  ): Promise<Decision> {
    checkDecideArgs(gid, decision, participants);
    this.#checkUsable();
    const existing = this.#entries.get(gid);
    if (existing) {
      // The standing decision may still be on its way to disk: nobody may act on it before it lands.
      await existing.durable;
      return existing.decision;
    }
    const entry: LoggedDecision = { decision, participants: [...participants], at: this.#now(), decidedBy };
    const durable = this.#append(decideLine(gid, entry));
    // Set before the write, so a concurrent decide for the same gid sees this one as the first.
    this.#entries.set(gid, { ...entry, durable });
    await durable;
    return decision;
  }

  async decision(gid: string): Promise<Decision | undefined> {
    checkGid(gid);
    this.#checkUsable();
    const entry = this.#entries.get(gid);
    if (!entry) return undefined;
    await entry.durable;
    return entry.decision;
  }

  async forget(gid: string): Promise<void> {
    checkGid(gid);
    this.#checkUsable();
    const entry = this.#entries.get(gid);
    if (!entry) return;
    await entry.durable;
    if (this.#entries.get(gid) !== entry) return; // forgotten (or forgotten and decided again) meanwhile
    this.#entries.delete(gid);
    await this.#append(forgetLine(gid));
  }

  async pending(): Promise<DecisionRecord[]> {
    this.#checkUsable();
    const now = this.#now();
    const entries = [...this.#entries];
    await Promise.all(entries.map(([, e]) => e.durable));
    return entries
      .sort(([, a], [, b]) => a.at - b.at)
      .map(([gid, e]) => ({
        gid,
        decision: e.decision,
        participants: e.participants,
        decidedBy: e.decidedBy,
        ageMs: Math.max(0, now - e.at),
      }));
  }

  /** Waits for queued writes, closes the file and gives back the lock. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#flushing;
      await this.#handle.close().catch(() => {});
      this.#unlock();
    })();
    return this.#closing;
  }

  #checkUsable(): void {
    const refused = this.#refusal();
    if (refused) throw refused;
  }

  #refusal(): TxnLogError | undefined {
    if (this.#failed) return this.#failed;
    if (this.#closing) {
      return new TxnLogError(
        TxnSqlState.objectNotInPrerequisiteState,
        `the coordinator log ${this.location} is closed; open it again`,
      );
    }
    return undefined;
  }

  /** Queues a line; resolves once it is written and fsynced. */
  #append(line: string): Promise<void> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    const written = new Promise<void>((resolve, reject) => this.#queue.push({ line, resolve, reject }));
    // The flag is cleared in the same synchronous step that finds the queue empty, so a line queued
    // afterwards always starts a new loop and never waits for one that is ending.
    if (!this.#flushRunning) {
      this.#flushRunning = true;
      this.#flushing = this.#flush();
    }
    return written;
  }

  /** Writes queued lines in batches, one fsync per batch, until the queue is empty. */
  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          if (this.#failed) throw this.#failed;
          await this.#handle.writeFile(batch.map((q) => q.line).join(''), 'utf8');
          await this.#sync(this.#handle);
        } catch (error) {
          this.#failed ??= new TxnLogError(
            TxnSqlState.ioError,
            `cannot write the coordinator log ${this.location} (${messageOf(error)}); what reached the disk is ` +
              'unknown, so the log refuses further work: fix the disk (space, permissions) and restart Switchyard',
            { cause: error },
          );
          for (const q of [...batch, ...this.#queue.splice(0)]) q.reject(this.#failed);
          break;
        }
        this.#records += batch.length;
        for (const q of batch) q.resolve();
        // Only with nothing queued: every remembered decision is then on disk, so the new file is exact.
        if (this.#queue.length === 0 && this.#shouldCompact()) await this.#compact();
      }
    } finally {
      // No await between the loop's last look at the queue and this line (see `#append`).
      this.#flushRunning = false;
    }
  }

  #shouldCompact(): boolean {
    const finished = this.#records - this.#entries.size;
    return this.#records >= this.#compactMinRecords && finished * 2 > this.#records;
  }

  /** Rewrites the file with only the remembered decisions (see the file comment). */
  async #compact(): Promise<void> {
    const dir = dirname(this.location);
    const temp = join(dir, `.${basename(this.location)}.${process.pid}.${randomUUID()}.tmp`);
    const kept = [...this.#entries];
    const lines = kept.map(([gid, e]) => decideLine(gid, e)).join('');
    let replacement: FileHandle | undefined;
    try {
      const written = await open(temp, 'wx', 0o644);
      try {
        await written.writeFile(lines, 'utf8');
        await this.#sync(written);
      } finally {
        await written.close();
      }
      replacement = await open(temp, 'a');
      await rename(temp, this.location);
    } catch {
      // The old file is untouched and still ours; try again after the next batch.
      await replacement?.close().catch(() => {});
      await rm(temp, { force: true }).catch(() => {});
      return;
    }
    // From here the log's file is the new one: appends go to its handle (opened on the temp name,
    // the same file after the rename).
    const previous = this.#handle;
    this.#handle = replacement;
    this.#records = kept.length;
    this.compactions += 1;
    await previous.close().catch(() => {});
    try {
      await syncDirectory(dir);
    } catch (error) {
      this.#failed ??= ioError(this.location, 'fsync the folder of', error);
    }
  }
}

function ioError(path: string, what: string, error: unknown): TxnLogError {
  return new TxnLogError(
    TxnSqlState.ioError,
    `cannot ${what} the coordinator log ${path} (${messageOf(error)}); check free space and permissions of the data folder`,
    { cause: error },
  );
}

/** Makes a rename or a new file durable: until the directory entry is flushed, a power loss may undo it. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
  } catch {
    return; // some platforms cannot open a directory; the rename itself is still atomic
  }
  try {
    await handle.sync();
  } catch (error) {
    // EINVAL/EISDIR: the file system cannot fsync a directory; anything else is a real failure.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await handle.close().catch(() => {});
  }
}
