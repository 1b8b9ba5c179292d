// What a client session needs from the rest of Switchyard: a planner, a way to reach each shard, the
// current catalog, and a hook to record what DDL taught us. The cluster provides it; tests can fake it.
import type { ShardConnector } from '../../backend/shard-connection.js';
import type { Catalog } from '../../catalog/catalog.js';
import type { KeyType } from '../../keyspace/key-type.js';
import type { Route, StatementPlan } from '../../router/route-plan.js';
import type { Logger } from '../../util/logger.js';

/** A Bind parameter as the session hands it to routing (never logged). */
export interface BindParam {
  readonly value: Uint8Array | null;
  /** 0 = text, 1 = binary. */
  readonly format: 0 | 1;
  /** The type OID the client declared in Parse, 0 when it let the server infer it. */
  readonly typeOid: number;
}

/** Planning and routing, as the session uses them. */
export interface SessionPlanner {
  /** The plans of a query string (one per statement), cached by text. Throws SqlSyntaxError (42601). */
  plan(sql: string): readonly StatementPlan[];
  /**
   * The shards a route reaches for these parameters (one name for a single-shard statement).
   * Throws a SwitchyardError for a key that cannot be placed (NULL, wrong type) or a refused route.
   */
  shardsFor(route: Route, params: readonly BindParam[]): readonly string[];
  /** `ALTER TABLE … ADD CONSTRAINT … CHECK (…)` restricting `table` on `shard` to the keys it owns. */
  rangeCheckSql(table: string, shard: string, keyTypes: readonly KeyType[]): string;
  /** The key type of a shard key column, from the type name the shard reports (format_type). */
  keyTypeOf(formatType: string): KeyType;
}

/** One shard's open transaction, ended by the coordinator (see src/txn/txn-participant.ts). */
export interface CommitParticipant {
  readonly shard: string;
  prepare(gid: string): Promise<void>;
  abort(): Promise<void>;
}

/** Two-phase commit, as a session uses it (the cluster's coordinator). */
export interface SessionTransactions {
  /** A new global transaction id. */
  newGid(): string;
  /**
   * PREPARE on every participant, the decision made durable, then COMMIT PREPARED everywhere.
   * Resolves once the decision to commit is durable; rejects with SQLSTATE 40000 (or the shard's
   * class-40 code) when the transaction was rolled back everywhere.
   */
  commit(gid: string, participants: readonly CommitParticipant[]): Promise<unknown>;
  /** Counts a transaction that committed on one shard without two-phase commit. */
  noteOnePhase(): void;
}

/** Everything a session depends on. */
export interface SessionContext {
  readonly planner: SessionPlanner;
  /** Opens raw connections to the named shard. Throws for an unknown or inactive shard. */
  connector(shard: string): ShardConnector;
  /** The current catalog (synchronous, cached). */
  catalog(): Catalog;
  /** Records the shard key types of a table created through Switchyard (first time only). */
  learnKeyTypes(table: string, keyTypes: readonly KeyType[]): Promise<void>;
  readonly logger: Logger;
  /**
   * A session idle inside a transaction this long is closed with 25P03, its shards rolling the
   * transaction back (as PostgreSQL's idle_in_transaction_session_timeout); 0 or absent: never.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /**
   * Change capture is on: a transaction's first write on each shard is preceded by a statement that
   * tags the shard's part with the transaction's global id (src/cdc/global-transaction.ts).
   */
  readonly tagGlobalTransactions?: boolean;
  /** Two-phase commit; without it a transaction may write to one shard only. */
  readonly transactions?: SessionTransactions;
  /**
   * Read the shards of a cross-shard read one after the other, holding each one's rows, instead of
   * all at once (only for measuring what parallelism gains: `bench/scatter`).
   */
  readonly sequentialScatter?: boolean;
}
