// The planner a session calls for every query string: parse once, plan each statement, and keep the
// plans by text so the hot path of a repeated query is one Map lookup. Plans depend on the catalog,
// so the cache is emptied whenever the catalog's version changes.
import type { Catalog } from '../catalog/catalog.js';
import { LruCache } from '../keyspace/lru-cache.js';
import { type ParsedStatement, parseSql } from '../sql/parse-sql.js';
import { emptyPlan, planStatement } from './plan-statement.js';
import type { StatementPlan } from './route-plan.js';

/** Options of a Planner. */
export interface PlannerOptions {
  /** How many distinct query strings to keep plans for; default 10 000. */
  readonly cacheSize?: number;
  /** The parser; tests pass a counting wrapper of `parseSql`. */
  readonly parse?: (sql: string) => readonly ParsedStatement[];
}

/**
 * Plans query strings against the current catalog, with a bounded cache keyed by text.
 *
 * @example
 *   await loadSqlParser();
 *   const planner = new Planner(() => catalogCache.current);
 *   const [plan] = planner.plan('SELECT abalance FROM pgbench_accounts WHERE aid = $1');
 *   // plan.route: { type: 'shard-key', table: 'pgbench_accounts', keys: [[{ kind: 'param', index: 1 }]] }
 */
export class Planner {
  private readonly cache: LruCache<string, readonly StatementPlan[]>;
  private readonly parse: (sql: string) => readonly ParsedStatement[];
  private version: number | undefined;

  constructor(
    private readonly catalog: () => Catalog,
    options: PlannerOptions = {},
  ) {
    this.cache = new LruCache(options.cacheSize ?? 10_000);
    this.parse = options.parse ?? parseSql;
  }

  /**
   * The plans of each statement of `sql`, in order (one `empty` plan for a string with no
   * statement). Statements the router cannot run get a `refused` route, not an exception.
   *
   * @throws SqlSyntaxError when `sql` does not parse (not cached: the client will fix it).
   */
  plan(sql: string): readonly StatementPlan[] {
    const catalog = this.catalog();
    if (catalog.version !== this.version) {
      this.cache.clear();
      this.version = catalog.version;
    }
    const cached = this.cache.get(sql);
    if (cached) return cached;
    const statements = this.parse(sql);
    const plans = Object.freeze(
      statements.length === 0 ? [emptyPlan(sql)] : statements.map((s) => planStatement(s, catalog)),
    );
    this.cache.set(sql, plans);
    return plans;
  }

  /** How many query strings have cached plans. */
  get cachedCount(): number {
    return this.cache.size;
  }
}
