// Views and tables created from a query. A view lives on the home shard with the unsharded tables
// (a name the catalog does not know routes there), so it may read unsharded and reference tables but
// not sharded ones, which the home shard holds only part of. CREATE TABLE … AS and SELECT INTO follow
// the same rule, and cannot create a sharded or reference table (the rows would need placing).
import type { Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { analyzeQuery } from '../sql/analyze-query.js';
import { nodeBody } from '../sql/ast-nodes.js';
import { writtenName } from '../sql/collect-tables.js';
import type { QueryAnalysis } from '../sql/query-scope.js';
import { quoted, refused } from './refusals.js';
import type { StatementShape } from './statement-shape.js';
import { placementOf, type TableName } from './table-placement.js';

/** CREATE [MATERIALIZED] VIEW, CREATE TABLE … AS, REFRESH MATERIALIZED VIEW. */
export function planView(ast: Node, catalog: Catalog): StatementShape {
  const view = nodeBody(ast, 'ViewStmt');
  if (view) return fromQuery(view.view, view.query, catalog, 'view');
  const ctas = nodeBody(ast, 'CreateTableAsStmt');
  if (ctas) {
    return fromQuery(
      ctas.into?.rel,
      ctas.query,
      catalog,
      ctas.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table',
    );
  }
  const refresh = nodeBody(ast, 'RefreshMatViewStmt')?.relation;
  return {
    kind: 'ddl',
    route: { type: 'shard', shard: catalog.homeShard },
    writes: true,
    tables: refresh ? [writtenName(nameOf(refresh))] : [],
  };
}

/** SELECT … INTO: CREATE TABLE … AS by another name. */
export function planSelectInto(into: TableName, analysis: QueryAnalysis, catalog: Catalog): StatementShape {
  return created(into, analysis, catalog, 'table', 'select');
}

function fromQuery(
  rel: { schemaname?: string; relname?: string } | undefined,
  query: Node | undefined,
  catalog: Catalog,
  what: 'view' | 'table',
): StatementShape {
  if (!query || !('SelectStmt' in query)) {
    return {
      kind: 'ddl',
      route: refused(
        `CREATE ${what === 'view' ? 'VIEW' : 'TABLE'} over anything but a query is not supported`,
      ),
      writes: true,
      tables: [],
    };
  }
  return created(nameOf(rel ?? {}), analyzeQuery(query), catalog, what, 'ddl');
}

function created(
  name: TableName,
  analysis: QueryAnalysis,
  catalog: Catalog,
  what: 'view' | 'table',
  kind: StatementShape['kind'],
): StatementShape {
  const tables = [writtenName(name), ...analysis.tables.map(writtenName)];
  const shape = (route: StatementShape['route']): StatementShape => ({ kind, route, writes: true, tables });
  const target = placementOf(catalog, name);
  if (target.kind === 'sharded' || target.kind === 'reference') {
    return shape(
      refused(
        `creating ${target.kind} table ${quoted(target.key)} from a query is not supported yet: its rows would need placing on the shards`,
        `CREATE TABLE ${writtenName(name)} with its columns, then INSERT the rows`,
      ),
    );
  }
  const sharded = analysis.tables.find((t) => placementOf(catalog, t).kind === 'sharded');
  if (sharded) {
    const over = quoted(writtenName(sharded));
    return shape(
      what === 'view'
        ? refused(
            `a view over sharded table ${over} is not supported: it would live on the home shard, which holds only part of the rows`,
            'query the sharded table directly',
          )
        : refused(
            `creating table ${quoted(writtenName(name))} from a query over sharded table ${over} is not supported yet: the new table would live on the home shard, which holds only part of the rows`,
            'create the table, then fill it from the application',
          ),
    );
  }
  if (analysis.unsupported[0] !== undefined) {
    return shape(refused(`${analysis.unsupported[0]} in a ${what}'s query is not supported yet`));
  }
  return shape({ type: 'shard', shard: catalog.homeShard });
}

function nameOf(rel: { schemaname?: string; relname?: string }): TableName {
  return { schema: rel.schemaname, name: rel.relname ?? '' };
}
