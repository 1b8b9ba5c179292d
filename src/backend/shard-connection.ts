// A raw protocol connection to one shard. The wire front end forwards a client's messages through it
// as they came and relays the shard's answers, so a statement that stays on one shard behaves exactly
// as on that PostgreSQL (types, formats, notices, errors), and costs no decoding.
import type { Frame } from '../protocol/message-framer.js';

/** Transaction status of a shard connection, from its last ReadyForQuery. */
export type TransactionStatus = 'I' | 'T' | 'E';

/** What a raw connection is opened with (the StartupMessage parameters that matter). */
export interface ShardConnectOptions {
  /** `application_name` the shard sees (default `switchyard`). */
  readonly applicationName?: string;
  /** Longest wait for the connection (PostgreSQL: connect + authenticate; PGlite: the shard's lock), ms. */
  readonly timeoutMs?: number;
  /** Aborting gives up waiting. */
  readonly signal?: AbortSignal;
  /**
   * The client session the connection works for (any object, the same for all its connections):
   * embedded shards use it to detect deadlocks between sessions holding several shards.
   */
  readonly owner?: object;
}

/** How `release` gives a connection back. */
export interface ReleaseOptions {
  /**
   * Reset session state (settings, cursors, LISTENs, advisory locks, temporary tables) before the
   * next holder gets the connection; prepared statements stay. Default true. Pass false only when
   * the holder is known to have changed nothing at session level: it saves a round trip.
   */
  readonly clean?: boolean;
}

/**
 * One protocol connection to a shard, held by one client session at a time.
 *
 * The protocol is the PostgreSQL frontend/backend protocol 3.0 after startup: `send` takes framed
 * frontend messages (Query, Parse, Bind, Describe, Execute, Close, Sync, Flush, CopyData, CopyDone,
 * CopyFail), `receive` returns the backend messages in order.
 */
export interface ShardConnection {
  readonly shard: string;
  /** Sends framed frontend messages. Never blocks; the bytes are queued in order. */
  send(messages: Uint8Array): void;
  /**
   * Resolves with every backend message available now (at least one), in order. Rejects with a
   * ShardError (08006) when the connection breaks; the connection is then unusable.
   */
  receive(): Promise<Frame[]>;
  /**
   * True once the connection cannot be used any more (the server closed it, the network failed,
   * the shard was closed, or it was closed or released): the holder should open a new one.
   */
  readonly broken: boolean;
  /** Status from the last ReadyForQuery received (`I` before any). */
  readonly transactionStatus: TransactionStatus;
  /**
   * Names of the prepared statements that exist on this connection. The front end prepares each
   * distinct statement once per connection under a name derived from its text, and records it here;
   * the set travels with the connection when it is reused by another session.
   */
  readonly preparedStatements: Set<string>;
  /** True when several client sessions share one server session (PGlite): session settings must be re-applied. */
  readonly shared: boolean;
  /**
   * The parameters the server reports (server_version, server_encoding, client_encoding, DateStyle,
   * TimeZone, integer_datetimes, standard_conforming_strings, …): those of its startup, updated by
   * every ParameterStatus that passes through `receive`.
   */
  readonly serverParameters: Readonly<Record<string, string>>;
  /** Asks the shard to cancel what this connection is running (a CancelRequest or equivalent). */
  cancel(): Promise<void>;
  /**
   * Gives the connection back for reuse. It must be idle (`I`) with nothing unread and no answer
   * owed; otherwise it is closed instead. Safe to call twice; the object is unusable afterwards
   * (the next `connect` hands out a new one).
   */
  release(options?: ReleaseOptions): void;
  /** Closes the connection. Safe to call twice. */
  close(): void;
}

/** Something that opens raw protocol connections to one shard (both backends implement it). */
export interface ShardConnector {
  connect(options?: ShardConnectOptions): Promise<ShardConnection>;
}
