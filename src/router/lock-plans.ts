// LOCK TABLE: taking a lock is preparing a write, so it goes where a write to those tables would.
// A sharded table's rows are on every shard and reference tables are copied everywhere: locking
// them means a write across shards, which waits for distributed transactions.
import type { Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { collectRangeVars } from '../sql/walk-nodes.js';
import { placeAll, rangeVarNames, tableDdl, tableKey } from './ddl-targets.js';
import { quoted, refused } from './refusals.js';
import type { StatementShape } from './statement-shape.js';

/** Plans LOCK TABLE. */
export function planLock(ast: Node, catalog: Catalog): StatementShape {
  const tables = placeAll(catalog, rangeVarNames(collectRangeVars(ast)));
  return tableDdl(catalog, tables, {
    kind: 'utility',
    check: (t) =>
      refused(
        `LOCK TABLE ${quoted(tableKey(t))} locks rows on every shard: a write across shards is not supported until distributed transactions land`,
        t.placement.kind === 'sharded'
          ? 'lock the rows you change with SELECT … FOR UPDATE and the shard key in WHERE'
          : 'reference tables change through the control plane',
      ),
  });
}
