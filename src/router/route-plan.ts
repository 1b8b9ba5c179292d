// What the planner decides about one statement: what kind it is and where it must run. Plans are
// immutable and cached by statement text; the parts that depend on parameter values ($n) are kept as
// references and resolved per execution, so a prepared statement is planned once.
import type { CopyPlan } from './copy-plan.js';
import type { ScatterPlan } from './merge/merge-plan.js';

/** Where a shard key value comes from: a constant in the SQL text, or parameter `$index` (1-based). */
export type KeySource =
  | { readonly kind: 'const'; readonly value: string | null }
  | { readonly kind: 'param'; readonly index: number };

/** What kind of statement it is, as far as the front end cares. */
export type StatementKind =
  | 'select'
  | 'insert'
  | 'update'
  | 'delete'
  | 'copy-in'
  | 'copy-out'
  | 'ddl'
  | 'transaction'
  | 'set'
  | 'show'
  | 'utility'
  /** `DEALLOCATE name | ALL`: the session frees its own protocol-level statements of that name. */
  | 'deallocate'
  | 'empty';

/** Transaction control, handled by the session itself (it decides which shards see it). */
export type TransactionAction =
  | { readonly type: 'begin' }
  /** `chain`: COMMIT AND CHAIN starts a new transaction with the same characteristics. */
  | { readonly type: 'commit'; readonly chain?: boolean }
  | { readonly type: 'rollback'; readonly chain?: boolean }
  | { readonly type: 'savepoint'; readonly name: string }
  | { readonly type: 'release'; readonly name: string }
  | { readonly type: 'rollback-to'; readonly name: string };

/** Where a statement runs. */
export type Route =
  /**
   * The shard owning the key of `table`. `keys` holds one key per row (INSERT) or per alternative
   * (IN list, OR of equalities), each key one source per shard key column; the statement goes to one
   * shard only if every key resolves to the same shard. Empty for COPY … FROM STDIN, whose rows are
   * placed one by one (CopyInRouter).
   */
  | { readonly type: 'shard-key'; readonly table: string; readonly keys: readonly (readonly KeySource[])[] }
  /** A named shard: the home shard for tables the catalog does not name. */
  | { readonly type: 'shard'; readonly shard: string }
  /** Any shard gives the same answer (no table, catalog queries, reference tables only): prefer one the session holds. */
  | { readonly type: 'any' }
  /**
   * A read of several shards whose rows are merged (the plan's `scatter` says how): the SELECT
   * reads every shard, or the shards its keys resolve to.
   */
  | { readonly type: 'scatter' }
  /** Every active shard, e.g. DDL of sharded and reference tables, COPY ... TO STDOUT of a sharded table. */
  | { readonly type: 'all' }
  /** Transaction control, handled by the session. */
  | { readonly type: 'transaction'; readonly action: TransactionAction }
  /** Refused: running it would give a wrong answer or is not supported yet. */
  | {
      readonly type: 'refused';
      readonly code: string;
      readonly message: string;
      readonly hint?: string;
      /**
       * Set when the single-shard planner refused a write because it changes every shard (`sharded`:
       * an UPDATE or DELETE of a sharded table without its key; `reference`: a write to a reference
       * table). The planner turns it into a write on every shard, committed with two-phase commit.
       */
      readonly everyShard?: 'sharded' | 'reference';
    };

/** Work to do on each shard after a DDL statement ran there (e.g. the hash-range CHECK constraint). */
export interface DdlFollowUp {
  /** The table created; its shard key's type is read back from the shard to learn `keyTypes`. */
  readonly createdTable?: string;
  /** The sharded table whose range CHECK constraint must be added on each shard once its key type is known. */
  readonly checkTable?: string;
  /** Tables dropped: their rules stay in the catalog (configuration names them), nothing to do yet. */
  readonly droppedTables?: readonly string[];
}

/** The plan of one statement. Frozen; shared by every session. */
export interface StatementPlan {
  /** The statement's own text (one statement of a multi-statement string). */
  readonly sql: string;
  readonly kind: StatementKind;
  readonly route: Route;
  /** True when it may change data or schema (decides what a transaction may do across shards). */
  readonly writes: boolean;
  /** Highest `$n` the statement uses (0 for none). */
  readonly paramCount: number;
  /** Tables it names (schema-qualified as written, lower-cased unless quoted). */
  readonly tables: readonly string[];
  readonly ddl?: DdlFollowUp;
  /** COPY … FROM STDIN / TO STDOUT: the format, and for a sharded table where the key sits in each row. */
  readonly copy?: CopyPlan;
  /**
   * A write on several shards: `every` runs the statement on every shard (route `all`; `reference`:
   * the copies are identical, so only the first shard's rows and tag go to the client); `keys` on
   * the shards its keys reach; `rows`
   * gives each VALUES row's shard key, in order, for an INSERT whose rows belong to several shards.
   */
  readonly multiWrite?:
    | { readonly kind: 'every'; readonly table: 'sharded' | 'reference' }
    /** An UPDATE or DELETE whose shard keys (route `shard-key`) reach several shards: each runs it. */
    | { readonly kind: 'keys' }
    | { readonly kind: 'rows'; readonly table: string; readonly rows: readonly (readonly KeySource[])[] };
  /** EXPLAIN [ANALYZE] of the statement whose route this plan carries. */
  readonly explain?: { readonly analyze: boolean };
  /** DEALLOCATE: the statement name, or null for DEALLOCATE ALL. */
  readonly deallocate?: { readonly name: string | null };
  /**
   * A SELECT answered across shards: the shard statement and how to merge its rows (planScatter).
   * Not set by the planner yet; the session attaches it when it switches cross-shard reads on.
   */
  readonly scatter?: ScatterPlan;
}
