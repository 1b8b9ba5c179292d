// The column name PostgreSQL gives a target without an alias (FigureColname in parse_target.c),
// for the columns the merge computes itself: the shard's RowDescription names the rewritten
// partials (sum, count), not what the client wrote (avg).
import type { Node, ResTarget } from 'libpg-query';
import { nodeTag, stringOf } from '../../sql/ast-nodes.js';

/** The client-facing name of `target`. */
export function targetName(target: ResTarget): string {
  if (target.name !== undefined) return target.name;
  return (target.val && figure(target.val)) ?? '?column?';
}

function figure(node: Node): string | undefined {
  switch (nodeTag(node)) {
    case 'ColumnRef': {
      const fields = (node as { ColumnRef: { fields?: Node[] } }).ColumnRef.fields ?? [];
      return stringOf(fields[fields.length - 1]);
    }
    case 'FuncCall': {
      const name = (node as { FuncCall: { funcname?: Node[] } }).FuncCall.funcname ?? [];
      return stringOf(name[name.length - 1]);
    }
    case 'TypeCast': {
      const cast = (node as { TypeCast: { arg?: Node; typeName?: { names?: Node[] } } }).TypeCast;
      const inner = cast.arg && figure(cast.arg);
      if (inner !== undefined) return inner;
      const names = cast.typeName?.names ?? [];
      return stringOf(names[names.length - 1]);
    }
    case 'CollateClause':
      return figureArg((node as { CollateClause: { arg?: Node } }).CollateClause.arg);
    case 'CaseExpr':
      return 'case';
    case 'CoalesceExpr':
      return 'coalesce';
    case 'A_ArrayExpr':
      return 'array';
    case 'RowExpr':
      return 'row';
    case 'MinMaxExpr':
      return (node as { MinMaxExpr: { op?: string } }).MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least';
    case 'NullIfExpr':
      return 'nullif';
    default:
      return undefined;
  }
}

function figureArg(node: Node | undefined): string | undefined {
  return node && figure(node);
}
