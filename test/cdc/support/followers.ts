// Consumers running in the background of the cdc suites: per consumer, one `consumeChanges` loop per
// shard applying batches to a ChangeReplica, and a way to wait until every shard's stream has passed
// a marker row written straight to each shard.
import type { ChangeEvent } from '../../../src/cdc/change-event.js';
import type { ChangePosition } from '../../../src/cdc/change-position.js';
import { consumeChanges } from '../../../src/cdc/consume-changes.js';
import type { Cluster } from '../../../src/cluster/cluster.js';
import type { ChangeReplica } from './change-replica.js';

/** Written on every shard (not through the front end) to mark a point in each stream. */
export const markerTableSql = 'CREATE TABLE IF NOT EXISTS cdc_marks (label text PRIMARY KEY)';

let markers = 0;

/** One consumer following every shard of a cluster. */
export class Followers {
  readonly #stop = new AbortController();
  readonly #runs: Promise<ChangePosition | null>[] = [];
  readonly #seen = new Set<string>();
  readonly errors: unknown[] = [];
  /** Every event received, duplicates included. */
  readonly received: ChangeEvent[] = [];
  /** Make the next handled batch fail after it was applied (a crash between persisting and acknowledging). */
  crashAfterApply = false;

  constructor(
    readonly cluster: Cluster,
    readonly consumer: string,
    readonly replica: ChangeReplica,
  ) {
    for (const source of cluster.changes.sources(consumer)) {
      this.#runs.push(
        consumeChanges({
          source,
          from: replica.seen.position(source.shard),
          signal: this.#stop.signal,
          retryDelayMs: 20,
          onError: (error) => {
            if (!(error instanceof Error && error.message.startsWith('simulated crash')))
              this.errors.push(error);
          },
          handle: async (events) => {
            this.received.push(...events);
            this.replica.apply(events);
            for (const e of events)
              if (e.table === 'cdc_marks' && e.op === 'insert')
                this.#seen.add(`${e.shard}:${String(e.new!.label)}`);
            if (this.crashAfterApply) {
              this.crashAfterApply = false;
              throw new Error('simulated crash after persisting, before acknowledging');
            }
          },
        }),
      );
    }
  }

  /** Waits until every shard's stream has delivered everything committed before this call. */
  async sync(timeoutMs = 30_000): Promise<void> {
    const label = `m${++markers}`;
    const shards = this.cluster.backends();
    for (const shard of shards) await shard.query('INSERT INTO cdc_marks VALUES ($1)', [label]);
    await this.waitFor(() => shards.every((s) => this.#seen.has(`${s.shard}:${label}`)), timeoutMs);
  }

  /** Waits for `condition`, failing early when a consumer loop failed. */
  async waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.errors.length > 0) throw this.errors[0];
      if (Date.now() > deadline) throw new Error(`consumer ${this.consumer}: timed out waiting for changes`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (this.errors.length > 0) throw this.errors[0];
  }

  /** Stops every loop (as a process that exits would). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#runs);
  }
}
