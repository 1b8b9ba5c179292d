// Re-aggregation across shards: each shard returns a partial aggregate over its rows, and these
// functions type and combine the partials into exactly what one database would return over all rows.
// avg() is not combined from partial averages: the shards return sum(x) and count(x), and the final
// value is numeric_div(sum, count) (or float8 / interval division), as the server's own final
// functions (int8_avg, numeric_avg, float8_avg, interval_avg) compute it.
import { SwitchyardError } from '../../util/errors.js';
import { addInterval, divideInterval, type PgInterval } from './pg-interval.js';
import { PgNumeric } from './pg-numeric.js';
import { pgType } from './pg-type.js';
import type { PgValue } from './pg-value.js';
import { TypeOid } from './type-oids.js';

/** The aggregates whose partial results can be merged. */
export type MergeableAggregate = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'bool_and' | 'bool_or';

function refuse(name: string, argOid: number | undefined): never {
  const type = argOid === undefined ? '*' : safeName(argOid);
  throw new SwitchyardError(
    '0A000',
    `merging ${name}(${type}) across shards is not supported; run the query on one shard or aggregate a supported type`,
  );
}

function safeName(oid: number): string {
  try {
    return pgType(oid).name;
  } catch {
    return `type OID ${oid}`;
  }
}

const SUM_TYPE: ReadonlyMap<number, number> = new Map([
  [TypeOid.int2, TypeOid.int8],
  [TypeOid.int4, TypeOid.int8],
  [TypeOid.int8, TypeOid.numeric],
  [TypeOid.numeric, TypeOid.numeric],
  [TypeOid.float4, TypeOid.float4],
  [TypeOid.float8, TypeOid.float8],
  [TypeOid.interval, TypeOid.interval],
]);

const AVG_TYPE: ReadonlyMap<number, number> = new Map([
  [TypeOid.int2, TypeOid.numeric],
  [TypeOid.int4, TypeOid.numeric],
  [TypeOid.int8, TypeOid.numeric],
  [TypeOid.numeric, TypeOid.numeric],
  [TypeOid.float4, TypeOid.float8],
  [TypeOid.float8, TypeOid.float8],
  [TypeOid.interval, TypeOid.interval],
]);

/**
 * The type OID PostgreSQL gives `name(arg)`; `argOid` undefined means `count(*)`.
 *
 * @example
 *   aggregateResultType('sum', 23); // 20 (sum(int4) is bigint)
 * @throws SwitchyardError 0A000 for an aggregate / argument type pair that cannot be merged.
 */
export function aggregateResultType(name: MergeableAggregate, argOid: number | undefined): number {
  if (name === 'count') return TypeOid.int8;
  if (argOid === undefined) return refuse(name, argOid);
  switch (name) {
    case 'sum':
      return SUM_TYPE.get(argOid) ?? refuse(name, argOid);
    case 'avg':
      return AVG_TYPE.get(argOid) ?? refuse(name, argOid);
    case 'bool_and':
    case 'bool_or':
      return argOid === TypeOid.bool ? TypeOid.bool : refuse(name, argOid);
    case 'min':
    case 'max':
      if (argOid === TypeOid.json || argOid === TypeOid.jsonb || argOid === TypeOid.bool)
        refuse(name, argOid);
      pgType(argOid);
      return argOid;
  }
}

/**
 * What the shards must return for avg(x) of type `argOid`: `sum(x)` and `count(x)`, the sum typed
 * as this function says. For float4 the shards must sum `x::float8`, since avg(float4) accumulates
 * in double precision while sum(float4) would round every step to single precision.
 */
export function avgShardSumType(argOid: number): number {
  if (!AVG_TYPE.has(argOid)) refuse('avg', argOid);
  return argOid === TypeOid.float4 ? TypeOid.float8 : (SUM_TYPE.get(argOid) ?? TypeOid.numeric);
}

/**
 * Combines the shards' partial results of count / sum / min / max / bool_and / bool_or into the
 * final value (typed as `aggregateResultType`). NULL partials are a shard with no (non-NULL) rows.
 *
 * @example
 *   combineAggregate('sum', 1700, [PgNumeric.parse('1.5'), null, PgNumeric.parse('2.25')]); // 3.75
 */
export function combineAggregate(
  name: Exclude<MergeableAggregate, 'avg'>,
  argOid: number | undefined,
  partials: readonly PgValue[],
): PgValue {
  const resultOid = aggregateResultType(name, argOid);
  const present = partials.filter((p) => p !== null);
  if (name === 'count') return present.reduce<bigint>((acc, p) => acc + toBigInt(p), 0n);
  if (present.length === 0) return null;
  switch (name) {
    case 'sum':
      return sumValues(resultOid, present);
    case 'min':
    case 'max': {
      const type = pgType(resultOid);
      const sign = name === 'min' ? -1 : 1;
      return present.reduce((best, p) => (type.compare(p, best) * sign > 0 ? p : best));
    }
    case 'bool_and':
      return present.every((p) => p === true);
    case 'bool_or':
      return present.some((p) => p === true);
  }
}

/**
 * The final avg from the shards' `sum(x)` and `count(x)` partials (see `avgShardSumType`).
 * NULL when no shard counted a row.
 */
export function finishAvg(argOid: number, sums: readonly PgValue[], counts: readonly PgValue[]): PgValue {
  const resultOid = aggregateResultType('avg', argOid);
  const count = counts.reduce<bigint>((acc, c) => (c === null ? acc : acc + toBigInt(c)), 0n);
  const present = sums.filter((s) => s !== null);
  if (count === 0n || present.length === 0) return null;
  const sum = sumValues(avgShardSumType(argOid), present);
  if (resultOid === TypeOid.numeric) return toNumeric(sum).div(PgNumeric.of(count));
  if (resultOid === TypeOid.float8) return (sum as number) / Number(count);
  return divideInterval(sum as PgInterval, Number(count));
}

function sumValues(oid: number, values: readonly PgValue[]): PgValue {
  switch (oid) {
    case TypeOid.int8: {
      const total = values.reduce<bigint>((acc, v) => acc + toBigInt(v), 0n);
      if (total >= 2n ** 63n || total < -(2n ** 63n))
        throw new SwitchyardError('22003', 'bigint out of range');
      return total;
    }
    case TypeOid.numeric:
      return values.map(toNumeric).reduce((acc, v) => acc.add(v));
    case TypeOid.float4:
      return values.reduce<number>((acc, v) => Math.fround(acc + (v as number)), 0);
    case TypeOid.float8:
      return values.reduce<number>((acc, v) => acc + (v as number), 0);
    case TypeOid.interval:
      return values.reduce<PgInterval>((acc, v) => addInterval(acc, v as PgInterval), {
        months: 0,
        days: 0,
        micros: 0n,
      });
    default:
      return refuse('sum', oid);
  }
}

function toBigInt(v: PgValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  throw new SwitchyardError('XX000', 'a partial count or integer sum is not an integer');
}

function toNumeric(v: PgValue): PgNumeric {
  if (v instanceof PgNumeric) return v;
  return PgNumeric.of(toBigInt(v));
}
