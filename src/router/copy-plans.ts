// Plans for COPY. Into a sharded table, rows are routed one by one (the plan says where the shard
// key sits in each row); out of a sharded table, every shard's rows are concatenated. Server-side
// files and programs are refused: the shards' file systems are not the client's.
import type { Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { analyzeQuery } from '../sql/analyze-query.js';
import { nodeBody, stringsOf } from '../sql/ast-nodes.js';
import { writtenName } from '../sql/collect-tables.js';
import type { QueryAnalysis } from '../sql/query-scope.js';
import { copyFormatOf } from './copy-options.js';
import type { CopyPlan } from './copy-plan.js';
import { routeQuery } from './query-route.js';
import { quoted, referenceWrite, refused } from './refusals.js';
import type { StatementShape } from './statement-shape.js';
import { placementOf } from './table-placement.js';

/** Plans a COPY statement. */
export function planCopy(ast: Node, catalog: Catalog): StatementShape {
  const stmt = nodeBody(ast, 'CopyStmt');
  const into = stmt?.is_from === true;
  const kind = into ? 'copy-in' : 'copy-out';
  const relation = stmt?.relation;
  const tables = relation ? [writtenName({ schema: relation.schemaname, name: relation.relname ?? '' })] : [];
  const shape = (route: StatementShape['route'], copy?: CopyPlan): StatementShape => ({
    kind,
    route,
    writes: into,
    tables,
    ...(copy ? { copy } : {}),
  });
  if (!stmt) return shape(refused('COPY without a statement body'));
  if (stmt.filename !== undefined || stmt.is_program) {
    return shape(
      refused(
        `COPY ${into ? 'from' : 'to'} a file or program on the server is not supported: the shards' files are not yours`,
        `use COPY … ${into ? 'FROM STDIN' : 'TO STDOUT'} (psql's \\copy)`,
      ),
    );
  }
  const format = copyFormatOf(stmt.options);
  if ('type' in format) return shape(format);
  const columns = stmt.attlist ? stringsOf(stmt.attlist) : undefined;
  const copy: CopyPlan = { direction: into ? 'in' : 'out', format, columns };
  if (stmt.query) {
    if (!('SelectStmt' in stmt.query)) {
      return shape(refused('COPY (INSERT/UPDATE/DELETE … RETURNING) TO STDOUT is not supported yet'));
    }
    const analysis = analyzeQuery(stmt.query);
    const route = routeQuery(analysis, catalog);
    const concatenated = route.type === 'refused' && concatenable(stmt.query, analysis, catalog);
    return {
      ...shape(concatenated ? { type: 'all' } : route, copy),
      tables: analysis.tables.map(writtenName),
    };
  }
  const placement = placementOf(catalog, { schema: relation?.schemaname, name: relation?.relname ?? '' });
  if (placement.kind === 'unsharded' || placement.kind === 'system') {
    return shape({ type: 'shard', shard: catalog.homeShard }, copy);
  }
  if (placement.kind === 'reference')
    return into ? shape(referenceWrite(placement.key)) : shape({ type: 'any' }, copy);
  if (!into) return shape({ type: 'all' }, copy);
  const key = placement.rule.shardKey;
  const missing = columns ? key.filter((k) => !columns.includes(k)) : [];
  if (missing.length > 0) {
    return shape(
      refused(
        `COPY into sharded table ${quoted(placement.key)} must include the shard key column ${missing.map(quoted).join(', ')}: a row without its shard key cannot be placed`,
        `add ${missing.join(', ')} to the column list`,
        '23502',
      ),
    );
  }
  return shape(
    { type: 'shard-key', table: placement.key, keys: [] },
    {
      ...copy,
      table: placement.key,
      keyColumns: key,
      ...(columns ? { keyPositions: key.map((k) => columns.indexOf(k)) } : {}),
    },
  );
}

// A query whose answer is the concatenation of every shard's answer: one sharded table (with
// reference tables), plain columns, no grouping, ordering, limits, DISTINCT, set operations,
// subqueries or function calls (an aggregate could hide among them).
function concatenable(query: Node, analysis: QueryAnalysis, catalog: Catalog): boolean {
  const select = nodeBody(query, 'SelectStmt');
  if (!select || analysis.scopes.length !== 1 || analysis.functions.length > 0 || analysis.writes)
    return false;
  if (
    select.groupClause ||
    select.havingClause ||
    select.sortClause ||
    select.limitCount ||
    select.limitOffset ||
    select.distinctClause ||
    select.windowClause ||
    select.withClause ||
    (select.op !== undefined && select.op !== 'SETOP_NONE')
  ) {
    return false;
  }
  const kinds = analysis.tables.map((t) => placementOf(catalog, t).kind);
  if (kinds.filter((k) => k === 'sharded').length !== 1 || kinds.includes('unsharded')) return false;
  return (select.targetList ?? []).every((target) => {
    const value = nodeBody(target, 'ResTarget')?.val;
    return value !== undefined && ('ColumnRef' in value || 'A_Const' in value);
  });
}
