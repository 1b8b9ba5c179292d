// Schema changes a sharded table cannot take. Each shard enforces constraints on its own rows only,
// so a PRIMARY KEY or UNIQUE constraint holds across the cluster only when it contains the shard key
// (equal keys share a shard); an exclusion constraint never does. The shard key column itself must
// keep its name and type, or routing and the range CHECK constraint would no longer match the rows.
import type { Node } from 'libpg-query';
import type { ShardedTableRule } from '../catalog/catalog.js';
import { nodeBody, stringsOf } from '../sql/ast-nodes.js';
import { quoted, type RefusedRoute, refused } from './refusals.js';

/** The refusal for a constraint `constraint` (a Constraint node) on sharded table `table`, if any. */
export function constraintProblem(
  constraint: Node | undefined,
  table: string,
  rule: ShardedTableRule,
  column?: string,
): RefusedRoute | undefined {
  const body = nodeBody(constraint, 'Constraint');
  if (!body) return undefined;
  if (body.contype === 'CONSTR_EXCLUSION') {
    return refused(
      `an exclusion constraint on sharded table ${quoted(table)} would only hold within each shard`,
      'enforce it in the application, or keep the table unsharded',
    );
  }
  if (body.contype !== 'CONSTR_PRIMARY' && body.contype !== 'CONSTR_UNIQUE') return undefined;
  // ADD CONSTRAINT … USING INDEX reuses an index whose columns were checked when it was created.
  if (body.indexname !== undefined && body.keys === undefined) return undefined;
  const columns = column !== undefined ? [column] : stringsOf(body.keys);
  return uniqueProblem(
    columns,
    table,
    rule,
    body.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE constraint',
  );
}

/** The refusal for a unique index or constraint over `columns` of sharded table `table`, if any. */
export function uniqueProblem(
  columns: readonly string[],
  table: string,
  rule: ShardedTableRule,
  what: string,
): RefusedRoute | undefined {
  const missing = rule.shardKey.filter((k) => !columns.includes(k));
  if (missing.length === 0) return undefined;
  return refused(
    `a ${what} on sharded table ${quoted(table)} must include the shard key (${rule.shardKey.join(', ')}): each shard can only check its own rows`,
    `add ${missing.join(', ')} to the ${what}'s columns`,
  );
}

/** The refusal for changing or dropping shard key column `column` of `table`, if it is one. */
export function keyColumnChange(
  column: string | undefined,
  table: string,
  rule: ShardedTableRule,
  change: string,
): RefusedRoute | undefined {
  if (column === undefined || !rule.shardKey.includes(column)) return undefined;
  return refused(
    `${quoted(column)} is the shard key of ${quoted(table)}: ${change} it is not supported, since rows are placed by it`,
    'create a new table with the key you want and copy the rows into it',
  );
}

/** Problems in a CREATE TABLE of sharded table `table` (its column and table constraints). */
export function createTableProblem(
  elements: readonly Node[] | undefined,
  table: string,
  rule: ShardedTableRule,
): RefusedRoute | undefined {
  for (const element of elements ?? []) {
    const column = nodeBody(element, 'ColumnDef');
    if (column) {
      for (const c of column.constraints ?? []) {
        const problem = constraintProblem(c, table, rule, column.colname);
        if (problem) return problem;
      }
      continue;
    }
    const problem = constraintProblem(element, table, rule);
    if (problem) return problem;
  }
  return undefined;
}

/** Problems in the commands of an ALTER TABLE of sharded table `table`. */
export function alterTableProblem(
  commands: readonly Node[] | undefined,
  table: string,
  rule: ShardedTableRule,
): RefusedRoute | undefined {
  for (const command of commands ?? []) {
    const cmd = nodeBody(command, 'AlterTableCmd');
    if (!cmd) continue;
    let problem: RefusedRoute | undefined;
    switch (cmd.subtype) {
      case 'AT_AlterColumnType':
        problem = keyColumnChange(cmd.name, table, rule, 'changing the type of');
        break;
      case 'AT_DropColumn':
        problem = keyColumnChange(cmd.name, table, rule, 'dropping');
        break;
      case 'AT_AddConstraint':
        problem = constraintProblem(cmd.def, table, rule);
        break;
      case 'AT_AddColumn': {
        const column = nodeBody(cmd.def, 'ColumnDef');
        for (const c of column?.constraints ?? [])
          problem ??= constraintProblem(c, table, rule, column?.colname);
        break;
      }
      default:
        break;
    }
    if (problem) return problem;
  }
  return undefined;
}

/** Problems in a CREATE UNIQUE INDEX on sharded table `table`. */
export function indexProblem(
  index: { unique?: boolean; indexParams?: Node[] },
  table: string,
  rule: ShardedTableRule,
): RefusedRoute | undefined {
  if (!index.unique) return undefined;
  const columns = (index.indexParams ?? []).map((p) => nodeBody(p, 'IndexElem')?.name ?? '');
  return uniqueProblem(columns, table, rule, 'unique index');
}
