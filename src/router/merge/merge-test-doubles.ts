// Test doubles for the merge's ports, used by the merge tests until src/sql/values and src/sql/expr
// provide the real ones: integers (int2/int4/int8) and text compared in "C" order, and the few
// aggregates the tests need, with PostgreSQL's result types for those.

import type { TextRow, TextValue } from './merge-plan.js';
import type { AggregateCombiner, MergeRuntime, MergeValues } from './merge-ports.js';
import type { ShardRowStream } from './shard-streams.js';

export const INT2 = 21;
export const INT4 = 23;
export const INT8 = 20;
export const TEXT = 25;
export const NUMERIC = 1700;
export const BOOL = 16;

const isInt = (oid: number) => oid === INT2 || oid === INT4 || oid === INT8;

function bigintCombiner(
  resultType: number,
  fold: (a: bigint, b: bigint) => bigint,
  zero?: bigint,
): AggregateCombiner {
  return {
    resultType,
    create() {
      let acc: bigint | undefined = zero;
      return {
        add([v]) {
          if (v === null || v === undefined) return;
          acc = acc === undefined ? BigInt(v) : fold(acc, BigInt(v));
        },
        result: () => (acc === undefined ? null : String(acc)),
      };
    },
  };
}

// Math.min and Math.max do not take bigints.
function least(a: bigint, b: bigint): bigint {
  if (b < a) return b;
  return a;
}

function greatest(a: bigint, b: bigint): bigint {
  if (b > a) return b;
  return a;
}

/** Values over integers and "C"-ordered text; count/sum/min/max/avg over integers. */
export const testValues: MergeValues = {
  compare(oid, a, b) {
    if (isInt(oid) || oid === NUMERIC) {
      const x = Number(a);
      const y = Number(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  },
  groupKey: (oid, v) => (isInt(oid) ? String(BigInt(v)) : v),
  combinePartials(name, types) {
    const t = types[0] ?? 0;
    switch (name) {
      case 'count':
        return bigintCombiner(INT8, (a, b) => a + b, 0n);
      case 'sum':
        return bigintCombiner(t, (a, b) => a + b);
      case 'min':
        return bigintCombiner(t, least);
      case 'max':
        return bigintCombiner(t, greatest);
      case 'avg':
        return avgCombiner(true);
      default:
        throw new Error(`test double: no ${name}`);
    }
  },
  aggregateValues(name, argType) {
    switch (name) {
      case 'count':
        return {
          resultType: INT8,
          create() {
            let n = 0n;
            return { add: ([v]) => void (v != null && n++), result: () => String(n) };
          },
        };
      case 'sum':
        return bigintCombiner(argType === INT8 ? NUMERIC : INT8, (a, b) => a + b);
      case 'avg':
        return avgCombiner(false);
      default:
        return testValues.combinePartials(name, [argType], false);
    }
  },
};

// avg over integers: numeric with PostgreSQL's 16 significant digits for small quotients (test
// inputs keep quotients below 10^4, so 16 fractional digits less the integer digits, min 16 scale).
function avgCombiner(partial: boolean): AggregateCombiner {
  return {
    resultType: NUMERIC,
    create() {
      let sum = 0n;
      let count = 0n;
      return {
        add([s, c]) {
          if (s === null || s === undefined) return;
          sum += BigInt(s);
          count += partial ? BigInt(c ?? '0') : 1n;
        },
        result: () => (count === 0n ? null : (Number(sum) / Number(count)).toFixed(16)),
      };
    },
  };
}

/** A runtime with the test values and no expression compiler. */
export const testRuntime: MergeRuntime = {
  values: testValues,
  expressions: {
    compile() {
      throw new Error('test double: no expression compiler');
    },
  },
};

/** A shard stream over `rows` in batches of `batch`, recording how far it was read and whether it was closed. */
export function trackedStream(
  rows: readonly TextRow[],
  batch = 2,
): ShardRowStream & {
  pulled: number;
  closed: boolean;
  exhausted: boolean;
} {
  const state = {
    pulled: 0,
    closed: false,
    exhausted: false,
    [Symbol.asyncIterator](): AsyncIterator<readonly TextRow[]> {
      let at = 0;
      return {
        next: async () => {
          if (at >= rows.length) state.exhausted = true;
          if (state.closed || at >= rows.length) return { done: true, value: undefined };
          const value = rows.slice(at, at + batch);
          at += batch;
          state.pulled += value.length;
          return { done: false, value };
        },
        return: async () => {
          state.closed = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return state;
}

/** Every row of a merged read. */
export async function collect(batches: AsyncIterable<TextRow[]>): Promise<TextValue[][]> {
  const out: TextValue[][] = [];
  for await (const batch of batches) for (const row of batch) out.push([...row]);
  return out;
}
