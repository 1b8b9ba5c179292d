// The coordinator log of a distributed cluster: a table in the catalog database, shared by every
// router. First writer wins through the primary key: a decision is `INSERT … ON CONFLICT DO NOTHING`,
// then the standing row is read back in a new statement (in READ COMMITTED a statement's snapshot may
// predate a conflicting row it waited for, so the read must come after). Connections run with
// `synchronous_commit = on`, so a decision is flushed to the database's WAL before the call resolves,
// whatever the database's default.
import pg from 'pg';
import { createTableOnce } from '../util/create-table-once.js';
import { type Logger, loggerFor } from '../util/logger.js';
import { messageOf, TxnLogError, TxnSqlState } from './txn-errors.js';
import { checkDecideArgs, checkGid, type Decision, type DecisionRecord, type TxnLog } from './txn-log.js';

/** How to reach the catalog database and what to call the table. */
export interface PostgresTxnLogOptions {
  /** The catalog database: a connection string or node-postgres client settings. */
  readonly connection: string | pg.ClientConfig;
  /** Table of decisions (created if missing); default `switchyard_txn_decisions`. */
  readonly table?: string;
  /** Connections; default 4. */
  readonly poolSize?: number;
  /** Give up connecting after this long; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Give up on a statement after this long; default 10 000 ms. */
  readonly queryTimeoutMs?: number;
  readonly logger?: Logger;
}

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A TxnLog in a PostgreSQL table (distributed mode), shared by every router of the cluster:
 *
 *   switchyard_txn_decisions(gid text PRIMARY KEY, decision text CHECK (decision IN ('commit','abort')),
 *                            participants text[], decided_at timestamptz, router text)
 *
 * @example
 *   const log = new PostgresTxnLog({ connection: 'postgres://switchyard@catalog-db/switchyard' });
 *   await log.decide(gid, 'commit', ['s0', 's1']); // 'commit', or 'abort' if a recovery got there first
 */
export class PostgresTxnLog implements TxnLog {
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #table: string;
  #schemaReady: Promise<void> | undefined;
  #closed = false;

  constructor(options: PostgresTxnLogOptions) {
    this.#table = options.table ?? 'switchyard_txn_decisions';
    if (!identifier.test(this.#table)) {
      throw new TxnLogError(
        TxnSqlState.invalidParameterValue,
        `invalid coordinator log table "${this.#table}": use lower-case letters, digits and "_" (at most 63)`,
      );
    }
    const base =
      typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
    const config: pg.PoolConfig = {
      ...base,
      connectionTimeoutMillis: options.connectTimeoutMs ?? base.connectionTimeoutMillis ?? 5000,
      query_timeout: options.queryTimeoutMs ?? base.query_timeout ?? 10_000,
      keepAlive: true,
      application_name: 'switchyard-txn-log',
      // A decision must be durable before any COMMIT PREPARED: whatever the database's default.
      options: '-c synchronous_commit=on',
      max: options.poolSize ?? 4,
      idleTimeoutMillis: 10_000,
    };
    const probe = new pg.Client(config); // parses the settings; never connected
    this.location = `table ${this.#table} in ${probe.host}:${probe.port}/${probe.database ?? ''}`;
    const logger = options.logger ?? loggerFor('txn', { log: this.location });
    this.#pool = new pg.Pool(config);
    // An idle connection that dies (server restart) is dropped by the pool; without a listener the
    // 'error' event would crash the process.
    this.#pool.on('error', (error) => logger.debug({ err: error }, 'idle coordinator log connection lost'));
  }

  async decide(
    gid: string,
    decision: Decision,
    participants: readonly string[],
    decidedBy = '',
  ): Promise<Decision> {
    checkDecideArgs(gid, decision, participants);
    // A row forgotten between the insert and the read (it cannot be in normal operation) is decided again.
    for (let attempt = 0; attempt < 3; attempt++) {
      // One round trip: the row inserted, or (first writer wins) the one already there. The CTE's
      // snapshot predates the insert, so exactly one of the two branches returns a row.
      const { rows } = await this.#query<{ decision: Decision }>(
        `with inserted as (
           insert into ${this.#table} (gid, decision, participants, decided_at, router)
             values ($1, $2, $3, now(), $4) on conflict (gid) do nothing returning decision)
         select decision from inserted
         union all select decision from ${this.#table} where gid = $1 and not exists (select 1 from inserted)`,
        [gid, decision, [...participants], decidedBy],
      );
      const standing = rows[0]?.decision;
      if (standing) return standing;
    }
    throw new TxnLogError(
      TxnSqlState.dataCorrupted,
      `the decision for ${gid} in the coordinator log ${this.location} vanished right after it was written three times; ` +
        'check that nothing else deletes rows from that table',
    );
  }

  async decision(gid: string): Promise<Decision | undefined> {
    checkGid(gid);
    const { rows } = await this.#query<{ decision: Decision }>(
      `select decision from ${this.#table} where gid = $1`,
      [gid],
    );
    return rows[0]?.decision;
  }

  async forget(gid: string): Promise<void> {
    checkGid(gid);
    await this.#query(`delete from ${this.#table} where gid = $1`, [gid]);
  }

  async pending(): Promise<DecisionRecord[]> {
    const { rows } = await this.#query<{
      gid: string;
      decision: Decision;
      participants: string[];
      router: string;
      age_ms: number;
    }>(
      `select gid, decision, participants, router,
              greatest(0, extract(epoch from (now() - decided_at)) * 1000)::float8 as age_ms
         from ${this.#table} order by decided_at, gid`,
    );
    return rows.map((r) => ({
      gid: r.gid,
      decision: r.decision,
      participants: r.participants,
      decidedBy: r.router,
      ageMs: Number(r.age_ms),
    }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #query<R extends pg.QueryResultRow>(
    text: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    if (this.#closed) {
      throw new TxnLogError(
        TxnSqlState.objectNotInPrerequisiteState,
        `the coordinator log ${this.location} is closed; open a new one`,
      );
    }
    await this.#ensureSchema();
    try {
      return await this.#pool.query<R>(text, params);
    } catch (error) {
      throw this.#failure(error);
    }
  }

  #ensureSchema(): Promise<void> {
    this.#schemaReady ??= this.#createSchema().catch((error: unknown) => {
      this.#schemaReady = undefined; // try again on the next call
      throw this.#failure(error);
    });
    return this.#schemaReady;
  }

  #createSchema(): Promise<void> {
    return createTableOnce(
      this.#pool,
      this.#table,
      `create table if not exists ${this.#table} (
        gid text primary key,
        decision text not null check (decision in ('commit', 'abort')),
        participants text[] not null,
        decided_at timestamptz not null default now(),
        router text not null default ''
      )`,
    );
  }

  #failure(error: unknown): TxnLogError {
    if (error instanceof TxnLogError) return error;
    const sqlState = (error as { code?: unknown }).code;
    const serverCode = typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) ? sqlState : undefined;
    // Class 08 (connection) and 57P (shutting down) mean unreachable; other codes are refusals.
    const refused = serverCode !== undefined && !/^(08|57P)/.test(serverCode);
    return new TxnLogError(
      refused ? serverCode : TxnSqlState.connectionFailure,
      refused
        ? `the coordinator log ${this.location} refused a statement: ${messageOf(error)} (SQLSTATE ${serverCode}); ` +
            "check the catalog user's privileges and the table"
        : `the coordinator log ${this.location} is unreachable: ${messageOf(error)}; check that the catalog database is running and reachable`,
      { cause: error },
    );
  }
}
