// Handlers the processor's tests run in worker threads (a handler is a module, not a closure).
// Failures are injected by sequence number: the i-th worker of a partition (restarts = i) fails at
// `failAt[i]`, so each injected failure happens once and the run is deterministic.
import { defineHandler } from './partition-handler.js';

/** A test row: key, the change's number among its key's changes, and an amount to sum. */
export type TestRow = { readonly key: number; readonly n: number; readonly amount: number };

/** A change as the tests send it. */
export interface TestChange {
  readonly table: string;
  readonly shard: number;
  readonly row: TestRow;
}

/** A change shaped like change capture's (shard name and id, old and new rows, int8 as bigint). */
export interface TestCaptureChange {
  readonly shard: string;
  readonly shardId: number;
  readonly op: 'insert' | 'update' | 'delete' | 'truncate';
  readonly old: { readonly key: bigint; readonly n: number } | null;
  readonly new: { readonly key: bigint; readonly n: number } | null;
}

function keyAndN(change: TestChange | TestCaptureChange): { key: number; n: number } {
  if ('row' in change) return { key: change.row.key, n: change.row.n };
  if (change.op === 'truncate') return { key: -1, n: -1 };
  const row = (change.new ?? change.old)!;
  return { key: Number(row.key), n: row.n };
}

/** What the tests' handlers accept as options. */
export interface TestHandlerOptions {
  /** Sequence numbers to fail at, one per worker generation. */
  readonly failAt?: readonly number[];
  /** How to fail: throw (default), reject a promise, or exit the thread. */
  readonly failBy?: 'throw' | 'reject' | 'exit';
  /** Fail at this sequence number every time (a poison change). */
  readonly alwaysFailAt?: number;
  /** Yield to the event loop every this many changes (a slow, async handler). */
  readonly yieldEvery?: number;
}

function failure(
  options: TestHandlerOptions,
  restarts: number,
  seq: number,
): 'throw' | 'reject' | 'exit' | undefined {
  if (seq === options.alwaysFailAt || seq === options.failAt?.[restarts]) return options.failBy ?? 'throw';
  return undefined;
}

/** Emits `{ key, n }` for every change it handles. */
export const recording = defineHandler<TestChange | TestCaptureChange, { key: number; n: number }>((ctx) => {
  const options = ctx.options as TestHandlerOptions;
  return {
    handle(change, seq) {
      const fail = failure(options, ctx.restarts, seq);
      if (fail === 'exit') process.exit(3);
      if (fail === 'throw') throw new Error(`injected failure at ${seq}`);
      if (fail === 'reject') return Promise.reject(new Error(`injected rejection at ${seq}`));
      ctx.emit(keyAndN(change));
      if (options.yieldEvery && seq % options.yieldEvery === 0) {
        return new Promise((resolve) => setTimeout(resolve, 1));
      }
      return undefined;
    },
  };
});

/** GROUP BY key: count(*) and sum(amount), snapshotting its state; result() is [key, count, sum][]. */
export const grouping = defineHandler<TestChange>((ctx) => {
  const options = ctx.options as TestHandlerOptions;
  let groups = new Map<number, [number, number]>();
  return {
    handle(change, seq) {
      if (failure(options, ctx.restarts, seq)) throw new Error(`injected failure at ${seq}`);
      const group = groups.get(change.row.key);
      if (group) {
        group[0]++;
        group[1] += change.row.amount;
      } else {
        groups.set(change.row.key, [1, change.row.amount]);
      }
    },
    snapshot: () => groups,
    restore(state) {
      groups = state as Map<number, [number, number]>;
    },
    result: () => [...groups].map(([key, [count, sum]]) => [key, count, sum]),
  };
});
