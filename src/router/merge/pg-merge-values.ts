// The merge's value semantics backed by src/sql/values: PostgreSQL's text formats, ordering,
// grouping and aggregate combines by type OID. Partial results arrive typed as the shards' partial
// aggregates (sum(int4) as int8), so each is mapped back to an argument type the combines accept.
import { aggregateResultType, combineAggregate, finishAvg } from '../../sql/values/aggregate-merge.js';
import { pgType } from '../../sql/values/pg-type.js';
import type { PgValue } from '../../sql/values/pg-value.js';
import { TypeOid } from '../../sql/values/type-oids.js';
import { SwitchyardError } from '../../util/errors.js';
import type { MergeAggregateName, TextValue } from './merge-plan.js';
import type { AggregateCombiner, MergeValues } from './merge-ports.js';

// sum(x) arrives as int8 for int2/int4 arguments and as numeric for int8/numeric ones; any
// argument type with that sum type gives the same final type and value.
const ARG_OF_SUM: ReadonlyMap<number, number> = new Map([
  [TypeOid.int8, TypeOid.int4],
  [TypeOid.numeric, TypeOid.numeric],
  [TypeOid.float4, TypeOid.float4],
  [TypeOid.float8, TypeOid.float8],
  [TypeOid.interval, TypeOid.interval],
]);

function parse(oid: number, text: TextValue | undefined): PgValue {
  return text === null || text === undefined ? null : pgType(oid).parse(text);
}

function format(oid: number, value: PgValue): TextValue {
  return value === null ? null : pgType(oid).format(value);
}

/** Combines of one aggregate: collects the inputs of a group, combines them at the end. */
function collecting(
  resultType: number,
  finish: (inputs: PgValue[][]) => PgValue,
  types: readonly number[],
): AggregateCombiner {
  return {
    resultType,
    create() {
      const inputs: PgValue[][] = types.map(() => []);
      return {
        add(values) {
          types.forEach((oid, i) => {
            inputs[i]?.push(parse(oid, values[i]));
          });
        },
        result: () => format(resultType, finish(inputs)),
      };
    },
  };
}

/**
 * min / max: the winning input's own text, as a shard printed it. Re-printing would be equal in
 * value but could differ in form (a timestamptz in the session's TimeZone, which the merge does not
 * know, would come out in UTC).
 */
function choosing(name: 'min' | 'max', oid: number): AggregateCombiner {
  const resultType = aggregateResultType(name, oid);
  const type = pgType(oid);
  const sign = name === 'min' ? -1 : 1;
  return {
    resultType,
    create() {
      let best: PgValue = null;
      let text: TextValue = null;
      return {
        add(values) {
          const candidate = values[0];
          if (candidate === null || candidate === undefined) return;
          const value = type.parse(candidate);
          if (best === null || type.compare(value, best) * sign > 0) {
            best = value;
            text = candidate;
          }
        },
        result: () => text,
      };
    },
  };
}

/** MergeValues over PostgreSQL's types (src/sql/values). Text orders by the shards' C collation. */
export const pgMergeValues: MergeValues = {
  compare: (oid, a, b) => {
    const type = pgType(oid);
    return type.compare(type.parse(a), type.parse(b));
  },
  groupKey: (oid, value) => {
    const type = pgType(oid);
    return type.groupKey(type.parse(value));
  },
  combinePartials(name: MergeAggregateName, partialTypes: readonly number[]): AggregateCombiner {
    const first = partialTypes[0] ?? 0;
    if (name === 'avg') {
      // avg(real) accumulates in double precision, but the shards' sum(real) rounds every step to
      // single precision: merging it would be wrong, so it is refused with the exact equivalent.
      if (first === TypeOid.float4) {
        throw new SwitchyardError(
          '0A000',
          'avg() of a real (float4) value across shards is not supported: the shards would sum it in single precision; write avg(x::float8), which is how PostgreSQL computes avg(real)',
        );
      }
      const arg = ARG_OF_SUM.get(first) ?? first;
      return collecting(
        aggregateResultType('avg', arg),
        ([sums, counts]) => finishAvg(arg, sums ?? [], counts ?? []),
        partialTypes,
      );
    }
    if (name === 'min' || name === 'max') return choosing(name, first);
    const arg = name === 'sum' ? (ARG_OF_SUM.get(first) ?? first) : first;
    return collecting(
      aggregateResultType(name, name === 'count' ? undefined : arg),
      ([partials]) => combineAggregate(name, name === 'count' ? undefined : arg, partials ?? []),
      [first],
    );
  },
  aggregateValues(name: MergeAggregateName, argType: number): AggregateCombiner {
    if (name === 'min' || name === 'max') return choosing(name, argType);
    if (name === 'count') {
      return collecting(TypeOid.int8, ([values]) => BigInt((values ?? []).filter((v) => v !== null).length), [
        argType,
      ]);
    }
    if (name === 'avg') {
      return collecting(
        aggregateResultType('avg', argType),
        ([values]) =>
          finishAvg(argType, values ?? [], [BigInt((values ?? []).filter((v) => v !== null).length)]),
        [argType],
      );
    }
    return collecting(
      aggregateResultType(name, argType),
      ([values]) => combineAggregate(name, argType, values ?? []),
      [argType],
    );
  },
};
