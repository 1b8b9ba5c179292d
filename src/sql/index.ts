// The sql folder's public surface: the parser, its errors, and the analysis of queries.
export { analyzeQuery } from './analyze-query.js';
export { type FunctionEffect, functionEffect, isCatalogRelation } from './catalog-relations.js';
export { collectTables, type TableReference, writtenName } from './collect-tables.js';
export { loadSqlParser, type ParsedStatement, parseSql } from './parse-sql.js';
export type {
  InsertShape,
  QueryAnalysis,
  QueryScope,
  ScopeCondition,
  TableEntry,
  TableRole,
  UsingCondition,
} from './query-scope.js';
export { quoteIdent, quoteQualified } from './quote-ident.js';
export { SqlSyntaxError } from './sql-syntax-error.js';
