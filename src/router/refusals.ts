// The refused routes the planner returns and the errors the session raises from them. Every message
// says what happened and what would make the statement work; none repeats a parameter value.
import { SqlState } from '../util/errors.js';
import type { Route, StatementPlan } from './route-plan.js';
import { RoutingError } from './routing-error.js';

/** The route of a statement Switchyard will not run. */
export type RefusedRoute = Extract<Route, { type: 'refused' }>;

/** A refused route (0A000 unless `code` says otherwise). */
export function refused(
  message: string,
  hint?: string,
  code: string = SqlState.featureNotSupported,
): RefusedRoute {
  return hint === undefined ? { type: 'refused', code, message } : { type: 'refused', code, message, hint };
}

/** `"users"`: how messages name a table or column. */
export function quoted(name: string): string {
  return `"${name}"`;
}

/** `id = …` or `(a, b) = (…, …)`: the condition a hint asks for. */
export function keyCondition(keyColumns: readonly string[], qualifier?: string): string {
  const cols = keyColumns.map((c) => (qualifier ? `${qualifier}.${c}` : c));
  return cols.length === 1 ? `${cols[0]} = …` : cols.map((c) => `${c} = …`).join(' AND ');
}

/** A statement (`verb`, SELECT by default) that would read every shard of `table`. */
export function crossShardRead(table: string, keyColumns: readonly string[], verb = 'SELECT'): RefusedRoute {
  return refused(
    `this ${verb} reads every shard of ${quoted(table)}: cross-shard reads are not supported yet`,
    `add the shard key (${keyCondition(keyColumns)}) to WHERE`,
  );
}

/** An UPDATE or DELETE (`verb`) that would change rows on every shard of `table`. */
export function crossShardWrite(verb: string, table: string, keyColumns: readonly string[]): RefusedRoute {
  return {
    ...refused(
      `this ${verb} writes to every shard of ${quoted(table)}, which needs two-phase commit (not enabled on this cluster)`,
      `add the shard key (${keyCondition(keyColumns)}) to WHERE`,
    ),
    everyShard: 'sharded',
  };
}

/** A write to a reference table (copied to every shard). */
export function referenceWrite(table: string): RefusedRoute {
  return {
    ...refused(
      `a write to a reference table changes every shard: writing to ${quoted(table)} needs two-phase commit (not enabled on this cluster)`,
      'enable two-phase commit, or make the table unsharded',
    ),
    everyShard: 'reference',
  };
}

/** Makes the error a session raises for a refused route. */
export function refusalError(route: RefusedRoute): RoutingError {
  return new RoutingError(route.code, route.message, route.hint);
}

/**
 * The error for a statement whose keys resolved to several shards: a read or a write across shards,
 * neither of which runs yet.
 *
 * @example
 *   spanError(plan, ['s0', 's2']).message;
 *   // 'this SELECT spans shards s0, s2 (cross-shard reads are not supported yet)'
 */
export function spanError(
  plan: Pick<StatementPlan, 'kind' | 'writes'>,
  shards: readonly string[],
): RoutingError {
  const list = shards.join(', ');
  if (plan.writes) {
    return new RoutingError(
      SqlState.featureNotSupported,
      `a write that spans shards ${list} is not supported until distributed transactions land`,
      'write the rows of each shard key in its own statement',
    );
  }
  return new RoutingError(
    SqlState.featureNotSupported,
    `this ${plan.kind === 'select' ? 'SELECT' : 'statement'} spans shards ${list} (cross-shard reads are not supported yet)`,
    'query one shard key value at a time',
  );
}
