// Test doubles for the coordinator: shards that only know prepared transactions (what the
// coordinator and recovery use of a ShardBackend), participants that prepare on them, and a
// directory of shards. Each fake shard keeps the rows of every transaction: rows of open
// transactions, of prepared ones by gid, and the committed ones, so a test can check atomicity.
import type {
  PreparedTransaction,
  QueryResult,
  ShardBackend,
  ShardSession,
} from '../../../src/backend/shard-backend.js';
import { ShardError } from '../../../src/backend/shard-error.js';
import type { ShardDirectory } from '../../../src/txn/recovery.js';
import type { TxnParticipant } from '../../../src/txn/txn-participant.js';

/** Failures a fake shard injects: how many of the next calls of each kind fail. */
export interface FakeFaults {
  commitPrepared: number;
  rollbackPrepared: number;
  listPrepared: number;
  /** COMMIT/ROLLBACK PREPARED answering "is busy" (another session is finishing the gid). */
  busy: number;
}

/** A shard that holds prepared transactions in memory. */
export class FakeShard implements ShardBackend {
  /** Rows committed, by the transaction (gid or tag) that wrote them. */
  readonly committed = new Map<string, string[]>();
  readonly prepared = new Map<string, { rows: string[]; at: Date }>();
  readonly faults: FakeFaults = { commitPrepared: 0, rollbackPrepared: 0, listPrepared: 0, busy: 0 };
  /** Calls made, in order: `commit gid`, `rollback gid`, `list`. */
  readonly calls: string[] = [];
  maxPreparedTransactions = 64;
  /** The shard's clock, for PREPARE times. */
  now: () => number = Date.now;

  constructor(readonly shard: string) {}

  /** Prepares a transaction holding `rows` (what PREPARE TRANSACTION does on the shard). */
  prepare(gid: string, rows: string[]): void {
    if (this.prepared.has(gid))
      throw new ShardError(this.shard, '42710', `transaction identifier "${gid}" is already in use`);
    this.prepared.set(gid, { rows, at: new Date(this.now()) });
  }

  async commitPrepared(gid: string): Promise<void> {
    this.calls.push(`commit ${gid}`);
    await Promise.resolve();
    this.#maybeFail('commitPrepared');
    const held = this.#take(gid);
    this.committed.set(gid, held.rows);
  }

  async rollbackPrepared(gid: string): Promise<void> {
    this.calls.push(`rollback ${gid}`);
    await Promise.resolve();
    this.#maybeFail('rollbackPrepared');
    this.#take(gid);
  }

  async listPrepared(prefix = ''): Promise<PreparedTransaction[]> {
    this.calls.push('list');
    await Promise.resolve();
    this.#maybeFail('listPrepared');
    return [...this.prepared]
      .filter(([gid]) => gid.startsWith(prefix))
      .map(([gid, { at }]) => ({ gid, preparedAt: at, database: this.shard }));
  }

  async query(sql: string): Promise<QueryResult> {
    if (sql !== 'SHOW max_prepared_transactions') throw new Error(`the fake shard cannot run ${sql}`);
    return {
      command: 'SHOW',
      rowCount: 1,
      fields: [],
      rows: [[String(this.maxPreparedTransactions)]],
    };
  }

  exec(): Promise<never> {
    return Promise.reject(new Error('the fake shard runs no statements'));
  }

  // biome-ignore lint/correctness/useYield: the fake shard streams nothing
  async *stream(): AsyncGenerator<never> {
    throw new Error('the fake shard runs no statements');
  }

  session(): Promise<ShardSession> {
    return Promise.reject(new Error('the fake shard has no sessions; use FakeParticipant'));
  }

  async close(): Promise<void> {}

  #take(gid: string): { rows: string[] } {
    if (this.faults.busy > 0) {
      this.faults.busy -= 1;
      throw new ShardError(this.shard, '55000', `prepared transaction with identifier "${gid}" is busy`);
    }
    const held = this.prepared.get(gid);
    if (!held) {
      throw new ShardError(
        this.shard,
        '42704',
        `prepared transaction with identifier "${gid}" does not exist`,
      );
    }
    this.prepared.delete(gid);
    return held;
  }

  #maybeFail(kind: keyof FakeFaults): void {
    if (this.faults[kind] > 0) {
      this.faults[kind] -= 1;
      throw new ShardError(this.shard, '08006', `connection to the shard was lost during ${kind}`);
    }
  }
}

/** The shards by name. */
export class FakeDirectory implements ShardDirectory {
  readonly shards: Map<string, FakeShard>;

  constructor(names: readonly string[]) {
    this.shards = new Map(names.map((n) => [n, new FakeShard(n)]));
  }

  backend(name: string): FakeShard {
    const shard = this.shards.get(name);
    if (!shard) throw new ShardError(name, '22023', `unknown shard "${name}"`);
    return shard;
  }

  backends(): FakeShard[] {
    return [...this.shards.values()];
  }

  /** The shards where transaction `tag` committed its rows. */
  committedBy(tag: string): string[] {
    return this.backends()
      .filter((s) => [...s.committed.values()].some((rows) => rows.includes(tag)))
      .map((s) => s.shard);
  }

  /** Every gid still prepared anywhere. */
  preparedGids(): string[] {
    return this.backends().flatMap((s) => [...s.prepared.keys()]);
  }
}

/** How a FakeParticipant's prepare behaves. */
export interface ParticipantBehaviour {
  /** Fail PREPARE with this error instead of preparing. */
  readonly failWith?: Error;
  /** Prepare on the shard, then fail as if the connection broke before the answer came. */
  readonly prepareThenLoseConnection?: boolean;
  /** Wait for this before preparing. */
  readonly gate?: Promise<void>;
}

/** One shard's part of a transaction: rows tagged with the transaction's tag. */
export class FakeParticipant implements TxnParticipant {
  aborted = 0;
  preparedAs: string | undefined;

  constructor(
    readonly backend: FakeShard,
    readonly tag: string,
    readonly behaviour: ParticipantBehaviour = {},
  ) {}

  get shard(): string {
    return this.backend.shard;
  }

  async prepare(gid: string): Promise<void> {
    await this.behaviour.gate;
    await Promise.resolve();
    if (this.behaviour.failWith) throw this.behaviour.failWith;
    this.backend.prepare(gid, [this.tag]);
    this.preparedAs = gid;
    if (this.behaviour.prepareThenLoseConnection) {
      throw new ShardError(this.shard, '08006', 'server closed the connection unexpectedly');
    }
  }

  async abort(): Promise<void> {
    this.aborted += 1;
  }
}

/** One participant per named shard of `directory`, all writing rows tagged `tag`. */
export function participantsOn(
  directory: FakeDirectory,
  shards: readonly string[],
  tag: string,
  behaviours: Record<string, ParticipantBehaviour> = {},
): FakeParticipant[] {
  return shards.map((s) => new FakeParticipant(directory.backend(s), tag, behaviours[s]));
}
