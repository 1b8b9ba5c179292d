// The router's public surface for the session: plan query strings, resolve a plan's route to shards
// with the Bind parameters, route COPY rows, and build the range CHECK after CREATE TABLE.
export { CopyInRouter, copyKeyPositions, copyRowParser, type RoutedCopyPiece } from './copy-in-router.js';
export type { CopyKeyField, CopyPiece, CopyRowParser } from './copy-piece.js';
export type { CopyFormat, CopyPlan } from './copy-plan.js';
export { decodeKeyParam } from './key-param.js';
export { emptyPlan, planStatement } from './plan-statement.js';
export { Planner, type PlannerOptions } from './planner.js';
export {
  keyTypeFromFormatType,
  rangeCheckConstraintName,
  rangeCheckConstraintSql,
  rangeCheckSetupSql,
} from './range-check-sql.js';
export { type RefusedRoute, refusalError, spanError } from './refusals.js';
export type {
  DdlFollowUp,
  KeySource,
  Route,
  StatementKind,
  StatementPlan,
  TransactionAction,
} from './route-plan.js';
export {
  type BindParam,
  type ResolvedRoute,
  RouteResolver,
  resolveRoute,
  routeResolverFor,
  type TableKeyResolver,
} from './route-resolver.js';
export { RoutingError } from './routing-error.js';
export {
  catalogKeyOf,
  colocationGroup,
  placementOf,
  type TableName,
  type TablePlacement,
} from './table-placement.js';
