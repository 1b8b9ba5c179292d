// LIMIT and OFFSET for a scatter: the merge applies them once, so each shard returns the first
// limit + offset rows (any row past that on one shard is past it in the merged order too) and skips
// none. Constants fold; parameters stay parameters (`LIMIT $1::int8 + $2::int8`).
import type { Node, SelectStmt } from 'libpg-query';
import { nodeBody } from '../../sql/ast-nodes.js';
import { type RefusedRoute, refused } from '../refusals.js';
import type { CountSource } from './merge-plan.js';

/** LIMIT / OFFSET as the merge applies them, and the LIMIT the shards run. */
export interface ScatterLimits {
  readonly limit?: CountSource;
  readonly offset?: CountSource;
  /** The shards' LIMIT, undefined for none. */
  readonly shardLimit?: Node;
}

/** Reads LIMIT and OFFSET of `select`; refuses forms other than a constant, NULL, or a parameter. */
export function scatterLimits(select: SelectStmt): ScatterLimits | RefusedRoute {
  if (select.limitOption === 'LIMIT_OPTION_WITH_TIES')
    return refused('FETCH … WITH TIES across shards is not supported yet', 'use LIMIT');
  const limit = countSource(select.limitCount, 'LIMIT');
  const offset = countSource(select.limitOffset, 'OFFSET');
  if (limit && 'type' in limit) return limit;
  if (offset && 'type' in offset) return offset;
  const out: { limit?: CountSource; offset?: CountSource; shardLimit?: Node } = {};
  if (limit) out.limit = limit;
  if (offset) out.offset = offset;
  if (limit && !(limit.kind === 'const' && limit.value === null)) {
    out.shardLimit = offset ? sum(limit, offset) : countNode(limit);
  }
  return out;
}

function countSource(node: Node | undefined, clause: string): CountSource | RefusedRoute | undefined {
  if (node === undefined) return undefined;
  const constant = nodeBody(node, 'A_Const');
  if (constant?.isnull) return { kind: 'const', value: null };
  if (constant?.ival !== undefined) return { kind: 'const', value: String(constant.ival.ival ?? 0) };
  if (constant?.fval !== undefined && /^\d+$/.test(constant.fval.fval ?? ''))
    return { kind: 'const', value: constant.fval.fval ?? '0' };
  const param = nodeBody(node, 'ParamRef');
  if (param?.number !== undefined) return { kind: 'param', index: param.number };
  return refused(
    `${clause} across shards must be an integer constant or a parameter`,
    `compute the ${clause} value in the application and pass it as $n`,
  );
}

function sum(a: CountSource, b: CountSource): Node {
  if (a.kind === 'const' && b.kind === 'const') {
    // OFFSET NULL is OFFSET 0.
    return integerNode(BigInt(a.value ?? '0') + BigInt(b.value ?? '0'));
  }
  return {
    A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: '+' } }], lexpr: countNode(a), rexpr: countNode(b) },
  } as Node;
}

// A parameter is cast to int8 so that `$1 + $2` resolves (unknown + unknown is ambiguous) and a NULL
// LIMIT stays NULL (LIMIT ALL) on the shards.
function countNode(source: CountSource): Node {
  if (source.kind === 'const') return integerNode(BigInt(source.value ?? '0'));
  return {
    TypeCast: {
      arg: { ParamRef: { number: source.index } },
      typeName: { names: [{ String: { sval: 'pg_catalog' } }, { String: { sval: 'int8' } }], typemod: -1 },
    },
  } as Node;
}

function integerNode(value: bigint): Node {
  if (value <= 2147483647n) return { A_Const: { ival: { ival: Number(value) } } } as Node;
  return { A_Const: { fval: { fval: String(value) } } } as Node;
}
