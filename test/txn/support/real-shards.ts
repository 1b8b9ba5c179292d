// Real shards for the coordinator's integration suites: the fixture each environment provides
// (embedded PGlite shards with a file log, or PostgreSQL databases with a log table), and a
// participant that runs a transaction's statements on a real shard session.
import type { ShardBackend, ShardSession } from '../../../src/backend/shard-backend.js';
import type { ShardDirectory } from '../../../src/txn/recovery.js';
import type { TxnLog } from '../../../src/txn/txn-log.js';
import type { TxnParticipant } from '../../../src/txn/txn-participant.js';

/** Open shards and log, as one router process has them. */
export interface OpenedShards extends ShardDirectory {
  readonly log: TxnLog;
  backends(): readonly ShardBackend[];
  /** Closes the log and every backend (as a process that ends). */
  close(): Promise<void>;
}

/** How a suite reaches its environment. */
export interface RealShardsFixture {
  /** Shard names, in order. */
  readonly shards: readonly string[];
  /** True for embedded shards (one transaction at a time per shard). */
  readonly embedded: boolean;
  /** Opens (or, after `close()`, reopens) the shards and the log. */
  open(): Promise<OpenedShards>;
}

/**
 * One shard's part of a test transaction: a session with `BEGIN` and one row inserted. `drop()` is
 * what a crash does to the connection: it goes away, and an unprepared transaction with it.
 */
export class RowParticipant implements TxnParticipant {
  #session: ShardSession | undefined;

  private constructor(
    readonly shard: string,
    session: ShardSession,
  ) {
    this.#session = session;
  }

  /** Opens a session on `backend`, begins and inserts (`tag`, shard) into txn_rows. */
  static async begin(
    backend: ShardBackend,
    tag: string,
    statements: readonly string[] = [],
  ): Promise<RowParticipant> {
    const session = await backend.session();
    try {
      await session.exec('BEGIN');
      await session.query('INSERT INTO txn_rows (tag, shard) VALUES ($1, $2)', [tag, backend.shard]);
      for (const sql of statements) await session.exec(sql);
    } catch (error) {
      await session.release();
      throw error;
    }
    return new RowParticipant(backend.shard, session);
  }

  async prepare(gid: string): Promise<void> {
    const session = this.#session!;
    try {
      await session.prepareTransaction(gid);
    } finally {
      await this.drop();
    }
  }

  abort(): Promise<void> {
    return this.drop();
  }

  /** Gives the connection back (rolling back a transaction still open on it). */
  async drop(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}

/** Begins a transaction tagged `tag` on each named shard, in order. */
export async function beginOn(
  opened: OpenedShards,
  shards: readonly string[],
  tag: string,
  statements: Record<string, readonly string[]> = {},
): Promise<RowParticipant[]> {
  const participants: RowParticipant[] = [];
  try {
    for (const shard of shards) {
      participants.push(await RowParticipant.begin(opened.backend(shard), tag, statements[shard]));
    }
  } catch (error) {
    await Promise.all(participants.map((p) => p.drop()));
    throw error;
  }
  return participants;
}

/** How many rows tagged `tag` each shard has, by shard name. */
export async function rowsByShard(opened: OpenedShards, tag: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const backend of opened.backends()) {
    const { rows } = await backend.query('SELECT count(*) FROM txn_rows WHERE tag = $1', [tag]);
    counts[backend.shard] = Number(rows[0]?.[0]);
  }
  return counts;
}

/** Every prepared transaction on any shard (any gid, not only Switchyard's). */
export async function preparedAnywhere(opened: OpenedShards): Promise<string[]> {
  const lists = await Promise.all(opened.backends().map((b) => b.listPrepared()));
  return lists.flatMap((list, i) => list.map((p) => `${opened.backends()[i]!.shard}:${p.gid}`));
}

/** The shards holding their part of transaction `gid` prepared (under `<gid>.<shard>`). */
export async function holding(opened: OpenedShards, gid: string): Promise<string[]> {
  const lists = await Promise.all(opened.backends().map((b) => b.listPrepared(gid)));
  return opened
    .backends()
    .filter((b, i) => lists[i]!.some((p) => p.gid === `${gid}.${b.shard}`))
    .map((b) => b.shard);
}

/** A promise and the function that resolves it. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** The OpenedShards of a log and backends (closing closes all of them). */
export function openedShards(log: TxnLog, backends: readonly ShardBackend[]): OpenedShards {
  const byName = new Map(backends.map((b) => [b.shard, b]));
  return {
    log,
    backend: (shard) => {
      const backend = byName.get(shard);
      if (!backend) throw new Error(`unknown shard "${shard}"`);
      return backend;
    },
    backends: () => backends,
    close: async () => {
      await Promise.allSettled([log.close(), ...backends.map((b) => b.close())]);
    },
  };
}
