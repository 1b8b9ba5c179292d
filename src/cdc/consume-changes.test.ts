import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from './change-event.js';
import type { ChangePosition } from './change-position.js';
import { consumeChanges } from './consume-changes.js';
import { MemoryChangeSource } from './memory-change-source.js';

/** A consumer whose "database" is an array and a checkpoint, persisted together. */
function consumer() {
  const state = { applied: [] as number[], checkpoint: null as ChangePosition | null };
  const handle = async (events: readonly ChangeEvent[]) => {
    state.applied.push(...events.map((e) => Number(e.new!.n)));
    state.checkpoint = events.at(-1)!.position;
  };
  return { state, handle };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
};

describe('consumeChanges', () => {
  it('applies every event once across connection failures, handler failures and restarts', async () => {
    const source = new MemoryChangeSource('s0', 'views');
    const { state, handle } = consumer();
    let failHandler = false;
    const errors: unknown[] = [];
    let stop = new AbortController();
    let run = consumeChanges({
      source,
      from: null,
      signal: stop.signal,
      maxBatch: 3,
      retryDelayMs: 1,
      onError: (e) => errors.push(e),
      handle: async (events) => {
        if (failHandler) {
          failHandler = false;
          throw new Error('handler failed before persisting');
        }
        await handle(events);
      },
    });
    let n = 0;
    const commit = (count: number) =>
      source.commit(
        Array.from({ length: count }, () => ({ op: 'insert' as const, table: 't', new: { n: ++n } })),
      );
    commit(5);
    await until(() => state.applied.length === 5);
    source.failNextRead();
    commit(2);
    await until(() => state.applied.length === 7);
    failHandler = true;
    commit(4);
    await until(() => state.applied.length === 11);
    expect(errors).toHaveLength(2);
    // A process restart: the consumer comes back from its persisted checkpoint.
    stop.abort();
    expect(await run).toBe(state.checkpoint);
    source.restart();
    commit(3);
    stop = new AbortController();
    run = consumeChanges({ source, from: state.checkpoint, signal: stop.signal, handle, retryDelayMs: 1 });
    await until(() => state.applied.length === 14);
    stop.abort();
    await run;
    expect(state.applied).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(source.retained).toBe(0);
  });

  it('drops what the source redelivers at or before the checkpoint', async () => {
    const source = new MemoryChangeSource('s0', 'views');
    const { state, handle } = consumer();
    source.commit([1, 2, 3].map((n) => ({ op: 'insert' as const, table: 't', new: { n } })));
    const stop = new AbortController();
    const run = consumeChanges({ source, from: null, signal: stop.signal, handle });
    await until(() => state.applied.length === 3);
    stop.abort();
    await run;
    // The consumer persisted, but the process died before the source heard the acknowledgement:
    const again = new MemoryChangeSource('s0', 'views');
    again.commit([1, 2, 3].map((n) => ({ op: 'insert' as const, table: 't', new: { n } })));
    again.commit([{ op: 'insert', table: 't', new: { n: 4 } }]);
    const stop2 = new AbortController();
    const run2 = consumeChanges({ source: again, from: state.checkpoint, signal: stop2.signal, handle });
    await until(() => state.applied.length === 4);
    stop2.abort();
    await run2;
    expect(state.applied).toEqual([1, 2, 3, 4]);
  });
});
