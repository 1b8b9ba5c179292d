// The shard connections one client session holds, and the rules about which shards a transaction may
// touch. A session opens a connection to a shard the first time a statement goes there and keeps it
// until the client leaves (session pooling), so prepared statements and settings stay put.
//
// An explicit transaction (or the implicit one of a multi-statement query string) may write to
// several shards when the cluster has a two-phase-commit coordinator; an extended-protocol batch
// without BEGIN commits each shard at Sync, so it may write to one shard only.

import { tagGlobalTransactionStatement } from '../../cdc/global-transaction.js';
import { SqlState } from '../../util/errors.js';
import { queryMessage, SYNC } from './frontend-messages.js';
import type { SessionContext } from './session-context.js';
import { SessionError } from './session-error.js';
import { ShardPipe } from './shard-pipe.js';

/** An explicit transaction (BEGIN … COMMIT/ROLLBACK) as the session tracks it. */
export interface Transaction {
  status: 'T' | 'E';
  /** The BEGIN statement as the client wrote it (isolation level etc.), sent to each shard that joins. */
  readonly begin: string;
  /** Shards that have joined, in order. */
  readonly shards: string[];
  /** The shards written to, in order of first write. */
  readonly writeShards: string[];
  /** The global transaction id, once given (the first tagged write, or the two-phase commit). */
  gid?: string;
  /** Open savepoints, oldest first; a shard joining later gets them too. */
  readonly savepoints: string[];
}

/** Per shared server session (keyed by its shard's connector), the client session that used it last. */
const lastUserOfSharedSession = new WeakMap<object, ShardLinks>();

export class ShardLinks {
  readonly #ctx: SessionContext;
  readonly #pipes = new Map<string, ShardPipe>();
  readonly #opening = new Map<string, Promise<ShardPipe>>();
  /** Session-level SET/RESET statements, replayed on every connection opened later. */
  readonly settings: string[] = [];
  transaction: Transaction | undefined;
  /** The shard written to by the current extended-protocol batch (implicit transaction). */
  batchWriteShard: string | undefined;
  /** Pipes that received messages in the current batch, in order of first use. */
  readonly touched = new Set<ShardPipe>();

  constructor(ctx: SessionContext) {
    this.#ctx = ctx;
  }

  /** The cluster's two-phase commit, when it has one. */
  get coordinator(): SessionContext['transactions'] {
    return this.#ctx.transactions;
  }

  /** Pipes held now. */
  held(): ShardPipe[] {
    return [...this.#pipes.values()];
  }

  /** The shard a statement that any shard can answer should use: one already in use, else the home shard. */
  anyShard(): string {
    const txn = this.transaction;
    if (txn && txn.shards.length > 0) return txn.shards[0]!;
    const first = this.#pipes.keys().next();
    return first.done ? this.#ctx.catalog().homeShard : first.value;
  }

  /**
   * The pipe to `shard`, opened if needed, joined to the open transaction, after checking that a
   * write there keeps the transaction on one shard.
   *
   * @throws SessionError 0A000 when the write would make a transaction span shards.
   */
  async pipeFor(shard: string, writes: boolean): Promise<ShardPipe> {
    this.#checkWrite(shard, writes);
    const txn = this.transaction;
    const held = this.#pipes.get(shard);
    if (held?.connection.broken) {
      // A shard connection that broke (a shard restarted, a network failure) is replaced, unless a
      // transaction was open on it: the shard rolled that back, so the client must know.
      this.#pipes.delete(shard);
      held.connection.close();
      if (txn?.shards.includes(shard)) {
        txn.shards.splice(txn.shards.indexOf(shard), 1);
        const written = txn.writeShards.indexOf(shard);
        if (written >= 0) txn.writeShards.splice(written, 1);
        throw new SessionError(
          SqlState.connectionFailure,
          `the connection to shard ${shard} was lost during this transaction, which the shard rolled back`,
          { hint: 'ROLLBACK, then run the transaction again' },
        );
      }
    }
    const pipe = (held && !held.connection.broken ? held : undefined) ?? (await this.#open(shard));
    if (pipe.connection.shared && !this.touched.has(pipe) && !txn?.shards.includes(shard))
      this.#adoptSharedSession(pipe);
    if (txn && !txn.shards.includes(shard)) {
      // A shard joining mid-batch must not get a Query between extended-protocol messages.
      if (this.touched.has(pipe) && pipe.owed > 0) pipe.send(SYNC, 'sync');
      const savepoints = txn.savepoints.map((name) => `SAVEPOINT ${name}`);
      pipe.send(queryMessage([txn.begin, ...savepoints].join('; ')), 'query', 'internal');
      txn.shards.push(shard);
    }
    if (writes) {
      if (!txn) this.batchWriteShard = shard;
      else if (!txn.writeShards.includes(shard)) {
        txn.writeShards.push(shard);
        const coordinator = this.#ctx.transactions;
        if (this.#ctx.tagGlobalTransactions && coordinator) {
          txn.gid ??= coordinator.newGid();
          pipe.send(queryMessage(tagGlobalTransactionStatement(txn.gid)), 'query', 'internal');
        }
      }
    }
    this.touched.add(pipe);
    return pipe;
  }

  /**
   * An embedded shard has one server session shared by every client session: when another client
   * session used it last and either side has session settings, the server session is reset and this
   * session's settings applied again, so one client's SET is not seen by another. (Best effort: a
   * client session's batches are not atomic with respect to the shared session between them.)
   */
  #adoptSharedSession(pipe: ShardPipe): void {
    const server = this.#ctx.connector(pipe.shard);
    const last = lastUserOfSharedSession.get(server);
    if (last !== this && (this.settings.length > 0 || (last?.settings.length ?? 0) > 0)) {
      pipe.send(queryMessage(['RESET ALL', ...this.settings].join('; ')), 'query', 'internal');
    }
    lastUserOfSharedSession.set(server, this);
  }

  #checkWrite(shard: string, writes: boolean): void {
    if (!writes) return;
    const txn = this.transaction;
    if (txn) {
      const first = txn.writeShards[0];
      if (this.#ctx.transactions || first === undefined || first === shard) return;
      throw new SessionError(
        SqlState.featureNotSupported,
        `this transaction already wrote to shard ${first}; writing to shard ${shard} as well needs two-phase commit, which this cluster has not enabled`,
        { hint: 'commit the first write before writing rows of another shard key' },
      );
    }
    const already = this.batchWriteShard;
    if (already !== undefined && already !== shard) {
      throw new SessionError(
        SqlState.featureNotSupported,
        `this batch already wrote to shard ${already}; without BEGIN each shard commits at Sync on its own, so writing to shard ${shard} in the same batch would not be atomic`,
        { hint: 'wrap the batch in BEGIN … COMMIT, which commits across shards atomically' },
      );
    }
  }

  async #open(shard: string): Promise<ShardPipe> {
    let opening = this.#opening.get(shard);
    if (!opening) {
      opening = (async () => {
        const connection = await this.#ctx
          .connector(shard)
          .connect({ applicationName: 'switchyard', owner: this });
        const pipe = new ShardPipe(connection);
        // (A shared server session gets the settings in #adoptSharedSession.)
        if (this.settings.length > 0 && !connection.shared) {
          pipe.send(queryMessage(this.settings.join('; ')), 'query', 'internal');
        }
        this.#pipes.set(shard, pipe);
        return pipe;
      })();
      this.#opening.set(shard, opening);
      opening.finally(() => this.#opening.delete(shard)).catch(() => {});
    }
    return opening;
  }

  /** Ends the current batch's bookkeeping (after Sync). */
  endBatch(): void {
    this.batchWriteShard = undefined;
    this.touched.clear();
  }

  /** Asks every held shard to cancel what it is running. */
  cancelAll(): void {
    for (const pipe of this.#pipes.values()) void pipe.connection.cancel().catch(() => {});
  }

  /**
   * Gives every connection back: idle ones are reused by other sessions, ones inside a transaction
   * are closed, which makes the shard roll the transaction back.
   */
  releaseAll(): void {
    const inTransaction = this.transaction !== undefined;
    for (const pipe of this.#pipes.values()) {
      if (inTransaction || pipe.owed > 0) pipe.connection.close();
      else pipe.connection.release();
    }
    this.#pipes.clear();
    this.transaction = undefined;
  }
}
