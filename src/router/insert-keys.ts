// The shard key of each row an INSERT … VALUES writes. Every row must give every key column a value
// Switchyard can read before the row reaches a shard: a literal or a parameter. A missing column or
// DEFAULT would let the shard invent the key (a sequence, say) after the row was already placed.
import type { ShardedTableRule } from '../catalog/catalog.js';
import type { InsertShape } from '../sql/query-scope.js';
import { SqlState } from '../util/errors.js';
import { keySourceOf } from './key-expressions.js';
import { quoted, type RefusedRoute, refused } from './refusals.js';
import type { KeySource } from './route-plan.js';

const NOT_NULL = '23502';

/**
 * One key tuple per VALUES row of an INSERT into the sharded table `table`, or the refusal that
 * explains why the rows cannot be placed.
 */
export function insertKeyTuples(
  insert: InsertShape,
  table: string,
  rule: ShardedTableRule,
): KeySource[][] | RefusedRoute {
  const keyList = rule.shardKey.join(', ');
  if (insert.fromQuery) {
    return refused(
      `INSERT … SELECT into sharded table ${quoted(table)} is not supported yet: the selected rows may belong to several shards`,
      `insert the rows with VALUES, each giving the shard key (${keyList})`,
    );
  }
  if (insert.columns === undefined) {
    return refused(
      insert.rows === undefined
        ? `INSERT … DEFAULT VALUES into sharded table ${quoted(table)} leaves the shard key (${keyList}) to the shard, so the row cannot be placed`
        : `INSERT into sharded table ${quoted(table)} must name its columns, so that Switchyard can find the shard key (${keyList}) in each row`,
      `write INSERT INTO ${table} (${keyList}, …) VALUES (…)`,
      insert.rows === undefined ? NOT_NULL : SqlState.featureNotSupported,
    );
  }
  const columns = insert.columns;
  const positions = rule.shardKey.map((key) => columns.indexOf(key));
  const missing = rule.shardKey.filter((_, i) => positions[i] === -1);
  if (missing.length > 0 || insert.rows === undefined) {
    return refused(
      `INSERT into sharded table ${quoted(table)} leaves out the shard key column ${missing.map(quoted).join(', ')}: a row without its shard key cannot be placed`,
      `give ${missing.join(', ')} a value in every row`,
      NOT_NULL,
    );
  }
  const tuples: KeySource[][] = [];
  for (const row of insert.rows) {
    const tuple: KeySource[] = [];
    for (const [i, position] of positions.entries()) {
      const column = rule.shardKey[i] ?? '';
      const expr = row[position];
      if (expr === undefined || 'SetToDefault' in expr) {
        return refused(
          `INSERT into sharded table ${quoted(table)} leaves shard key column ${quoted(column)} to its DEFAULT: Switchyard must know the key to place the row`,
          `give ${column} a literal or parameter value in every row`,
          NOT_NULL,
        );
      }
      const source = keySourceOf(expr);
      if (source === undefined) {
        return refused(
          `the shard key column ${quoted(column)} of an INSERT into ${quoted(table)} is an expression Switchyard cannot evaluate before the row reaches a shard`,
          `compute the key in the application and pass it as a literal or parameter`,
        );
      }
      if (source.kind === 'const' && source.value === null) {
        return refused(
          `a row with a NULL shard key (${quoted(column)}) cannot be placed on any shard`,
          `give ${column} a value`,
          NOT_NULL,
        );
      }
      tuple.push(source);
    }
    tuples.push(tuple);
  }
  return tuples;
}
