// What a holder of a raw PostgreSQL connection gets from `PostgresBackend.connect()`: a handle on a
// pooled link, valid until `release()` or `close()`. A new handle each time, so a holder that
// calls release twice, or keeps using a released handle, cannot touch the next holder's session.
import type { Frame } from '../protocol/message-framer.js';
import type { PostgresLink } from './postgres-link.js';
import type { ReleaseOptions, ShardConnection, TransactionStatus } from './shard-connection.js';
import { BackendSqlState, ShardError } from './shard-error.js';

/** Gives a released link back to its backend (`clean`: reset its session state first). */
export type GiveBack = (link: PostgresLink, clean: boolean) => void;

/** A raw protocol connection to a PostgreSQL shard; see ShardConnection. */
export class PostgresShardConnection implements ShardConnection {
  readonly shared = false;
  readonly #link: PostgresLink;
  readonly #giveBack: GiveBack;
  #done = false;

  constructor(link: PostgresLink, giveBack: GiveBack) {
    this.#link = link;
    this.#giveBack = giveBack;
  }

  get shard(): string {
    return this.#link.shard;
  }

  get broken(): boolean {
    return this.#done || this.#link.ended;
  }

  get transactionStatus(): TransactionStatus {
    return this.#link.status;
  }

  get preparedStatements(): Set<string> {
    return this.#link.preparedStatements;
  }

  get serverParameters(): Readonly<Record<string, string>> {
    return this.#link.serverParameters;
  }

  /** @throws ShardError 08003 after `release()` or `close()` */
  send(messages: Uint8Array): void {
    if (this.#done) throw this.#doneError();
    this.#link.send(messages);
  }

  receive(): Promise<Frame[]> {
    if (this.#done) return Promise.reject(this.#doneError());
    return this.#link.receive();
  }

  cancel(): Promise<void> {
    return this.#done ? Promise.resolve() : this.#link.cancel();
  }

  release(options?: ReleaseOptions): void {
    if (this.#done) return;
    this.#done = true;
    this.#giveBack(this.#link, options?.clean ?? true);
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#link.close();
  }

  #doneError(): ShardError {
    return new ShardError(
      this.#link.shard,
      BackendSqlState.connectionDoesNotExist,
      'this shard connection was released or closed; take a new one with connect()',
    );
  }
}
