// Runs a handler per partition on worker threads and feeds it the changes its strategy routes there.
// Queues are bounded (a producer awaits `push` when a partition is full), changes of one key stay in
// order (one partition, handled in order, redelivered in order), and a handler that throws loses
// nothing: its worker is replaced and the unacknowledged changes are delivered again.
import { DEFAULT_STREAM_CONFIG } from './config.js';
import type { HandlerSpec } from './partition-handler.js';
import { PartitionLane, type PartitionMetrics } from './partition-lane.js';
import type { PartitioningStrategy } from './partitioning-strategy.js';
import { type EventAccess, type RoutableEvent, routableEventAccess } from './routable-event.js';
import { type StrategyMetricsSummary, summarizeStrategyMetrics } from './strategy-metrics.js';
import { StreamError, StreamErrorCode } from './stream-errors.js';

/** Options of a PartitionedProcessor; the sizes default to the `stream:` section's defaults. */
export interface ProcessorOptions<E> {
  /** Routes each change; its `partitions` is the number of workers. */
  readonly strategy: PartitioningStrategy;
  /** The module each worker builds its partition's handler from. */
  readonly handler: HandlerSpec;
  /**
   * How to read a change's source shard and routing row: `changeEventAccess` for change capture's
   * events; the default reads a RoutableEvent's `shard` and `row`.
   */
  readonly access?: EventAccess<E>;
  /** Changes per message to a worker (default 256). */
  readonly batchSize?: number;
  /** Unacknowledged changes a partition holds before `push` asks the producer to wait (default 8192). */
  readonly queueCapacity?: number;
  /** Restarts on the same change before the partition fails (default 5). */
  readonly maxRestarts?: number;
  /** Batches between handler snapshots, for handlers that snapshot (default 64). */
  readonly checkpointEvery?: number;
  /** Receives what handlers emit, with the partition and sequence number of the change. */
  readonly onOutput?: (partition: number, seq: number, value: unknown) => void;
}

/** The processor's metrics: its strategy's and each partition's. */
export interface ProcessorMetrics {
  readonly strategy: StrategyMetricsSummary;
  readonly partitions: readonly Readonly<PartitionMetrics>[];
}

/**
 * N partitions on N worker threads, fed by a partitioning strategy.
 *
 * @example
 *   const processor = new PartitionedProcessor<ChangeEvent>({
 *     strategy: createStrategy({ strategy: 'smart' }, query, 2),
 *     handler: { module: new URL('./revenue-handler.ts', import.meta.url) },
 *     access: changeEventAccess,
 *   });
 *   for await (const change of changes) {
 *     const full = processor.push(change);
 *     if (full) await full; // backpressure
 *   }
 *   const perPartition = await processor.collect(); // each handler's result()
 *   await processor.close();
 */
export class PartitionedProcessor<E = RoutableEvent> {
  readonly strategy: PartitioningStrategy;
  private readonly lanes: PartitionLane[];
  private readonly access: EventAccess<E>;
  private routes = new Int32Array(1024);
  private flushScheduled = false;
  private closed = false;

  constructor(options: ProcessorOptions<E>) {
    const defaults = DEFAULT_STREAM_CONFIG;
    const sizes = {
      batchSize: options.batchSize ?? defaults.batchSize,
      queueCapacity: options.queueCapacity ?? defaults.queueCapacity,
      maxRestarts: options.maxRestarts ?? defaults.maxRestarts,
      checkpointEvery: options.checkpointEvery ?? defaults.checkpointEvery,
    };
    for (const [name, value] of Object.entries(sizes)) {
      if (!Number.isInteger(value) || value < (name === 'maxRestarts' ? 0 : 1)) {
        throw new StreamError(
          StreamErrorCode.invalidOption,
          `${name} must be a whole number, got ${String(value)}`,
        );
      }
    }
    this.strategy = options.strategy;
    this.access = options.access ?? (routableEventAccess as unknown as EventAccess<E>);
    const laneOptions = {
      ...sizes,
      partitions: this.strategy.partitions,
      handler: options.handler,
      onOutput: options.onOutput,
    };
    this.lanes = Array.from(
      { length: this.strategy.partitions },
      (_, p) => new PartitionLane(p, laneOptions),
    );
  }

  get partitions(): number {
    return this.lanes.length;
  }

  /** Resolves once every partition's worker has started and built its handler. */
  async ready(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.whenStarted()));
  }

  /**
   * Routes and queues one change. Returns undefined, or a promise to await before pushing more when
   * the change's partition is full (it is queued either way).
   */
  push(event: E): Promise<void> | undefined {
    if (this.closed) throw closedError();
    const lane = this.lanes[this.strategy.routeRow(this.access.shard(event), this.access.row(event))]!;
    if (lane.failure) throw lane.failure;
    this.scheduleFlush();
    return lane.push(event);
  }

  /**
   * Routes and queues a batch of changes (routing timed in the strategy's metrics). Returns a promise
   * to await before pushing more when a partition is full; the batch itself is queued whole, so a
   * partition may hold up to one batch more than its capacity.
   */
  pushBatch(events: readonly E[]): Promise<void> | undefined {
    this.checkOpen();
    if (this.routes.length < events.length) this.routes = new Int32Array(events.length);
    const routes = this.routes;
    this.strategy.routeBatch(events, this.access, routes);
    let wait: Promise<void> | undefined;
    const lanes = this.lanes;
    for (let i = 0; i < events.length; i++) {
      const full = lanes[routes[i]!]!.push(events[i]);
      if (full && full !== wait) wait = wait ? Promise.all([wait, full]).then(() => {}) : full;
    }
    this.scheduleFlush();
    return wait;
  }

  /**
   * Queues `event` on every partition, in order with what each already holds: for changes that
   * concern every key (a truncate, which has no row to route by). Returns a promise to await when a
   * partition is full.
   */
  broadcast(event: E): Promise<void> | undefined {
    this.checkOpen();
    let wait: Promise<void> | undefined;
    for (const lane of this.lanes) {
      const full = lane.push(event);
      if (full && full !== wait) wait = wait ? Promise.all([wait, full]).then(() => {}) : full;
    }
    this.scheduleFlush();
    return wait;
  }

  /** Sends every partly filled batch now (pushes do this on the next turn of the event loop). */
  flush(): void {
    this.flushScheduled = false;
    for (const lane of this.lanes) lane.flush();
  }

  /** Resolves when every change pushed so far has been handled and acknowledged. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all(this.lanes.map((lane) => lane.whenIdle()));
  }

  /** Drains, then returns each partition's handler `result()`, by partition. */
  async collect(): Promise<unknown[]> {
    await this.drain();
    return Promise.all(this.lanes.map((lane) => lane.collect()));
  }

  /** Drains, calls each handler's `close()` and ends the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.drain();
    } finally {
      this.closed = true;
      await Promise.all(this.lanes.map((lane) => lane.close()));
    }
  }

  /** Ends every worker at once; queued changes are dropped. */
  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => lane.terminate()));
  }

  /** A copy of the strategy's and every partition's figures. */
  metrics(): ProcessorMetrics {
    return {
      strategy: summarizeStrategyMetrics(this.strategy.name, this.strategy.metrics),
      partitions: this.lanes.map((lane) => ({ ...lane.metrics })),
    };
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      if (this.flushScheduled && !this.closed) this.flush();
    });
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
    for (const lane of this.lanes) if (lane.failure) throw lane.failure;
  }
}

function closedError(): StreamError {
  return new StreamError(StreamErrorCode.closed, 'the stream processor is closed');
}
