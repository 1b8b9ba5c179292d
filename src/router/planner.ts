// The planner a session calls for every query string: parse once, plan each statement, and keep the
// plans by text so the hot path of a repeated query is one Map lookup. Plans depend on the catalog,
// so the cache is emptied whenever the catalog's version changes.
import type { Catalog } from '../catalog/catalog.js';
import { deepFreeze } from '../catalog/deep-freeze.js';
import { LruCache } from '../keyspace/lru-cache.js';
import { nodeBody } from '../sql/ast-nodes.js';
import { type ParsedStatement, parseSql } from '../sql/parse-sql.js';
import { planScatter } from './merge/plan-scatter.js';
import { withMultiShardWrite } from './multi-shard-write.js';
import { emptyPlan, planStatement } from './plan-statement.js';
import type { StatementPlan } from './route-plan.js';

/** Options of a Planner. */
export interface PlannerOptions {
  /** How many distinct query strings to keep plans for; default 10 000. */
  readonly cacheSize?: number;
  /** The parser; tests pass a counting wrapper of `parseSql`. */
  readonly parse?: (sql: string) => readonly ParsedStatement[];
  /**
   * Plan cross-shard reads as scatter-gathers (default true). False gives the single-shard planner
   * alone, whose decisions the scatter planner builds on (its tests use it).
   */
  readonly scatter?: boolean;
}

/**
 * A read the single-shard planner cannot pin to one shard becomes a scatter-gather when the merge can
 * answer it exactly (router/merge): a SELECT that reads every shard gets route `scatter`; one whose
 * keys (an IN list, an OR) may reach several shards keeps its `shard-key` route and carries the
 * scatter plan for when they do. What the merge cannot answer keeps a refusal saying why.
 */
export function withScatter(
  statement: ParsedStatement,
  plan: StatementPlan,
  catalog: Catalog,
): StatementPlan {
  if (plan.kind !== 'select' || plan.writes) return plan;
  const route = plan.route;
  // crossShardRead and the loose-table refusal of query-route both say "reads every shard".
  const everyShard =
    route.type === 'refused' && route.code === '0A000' && route.message.includes('reads every shard');
  const severalKeys = route.type === 'shard-key' && route.keys.length > 1;
  if (!everyShard && !severalKeys) return plan;
  // EXPLAIN of a cross-shard read plans the scatter of the statement it explains.
  const explained = plan.explain ? nodeBody(statement.ast, 'ExplainStmt')?.query : undefined;
  const scatter = planScatter(explained ?? statement, catalog);
  if (!('merge' in scatter)) return everyShard ? deepFreeze({ ...plan, route: scatter }) : plan;
  return deepFreeze(everyShard ? { ...plan, route: { type: 'scatter' }, scatter } : { ...plan, scatter });
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
  private readonly scatter: boolean;

  constructor(
    private readonly catalog: () => Catalog,
    options: PlannerOptions = {},
  ) {
    this.cache = new LruCache(options.cacheSize ?? 10_000);
    this.parse = options.parse ?? parseSql;
    this.scatter = options.scatter ?? true;
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
      statements.length === 0
        ? [emptyPlan(sql)]
        : statements.map((s) => {
            const plan = planStatement(s, catalog);
            if (!this.scatter) return plan;
            const write = withMultiShardWrite(s, plan, catalog);
            return write === plan ? withScatter(s, plan, catalog) : deepFreeze(write);
          }),
    );
    this.cache.set(sql, plans);
    return plans;
  }

  /** How many query strings have cached plans. */
  get cachedCount(): number {
    return this.cache.size;
  }
}
