// One partition of a PartitionedProcessor, on the main thread: the changes routed to it, the batches
// its worker has not acknowledged, and the worker's lifecycle
//   starting → running → (failure) restarting → running … → closed, or → failed
// after `maxRestarts` failures on the same change. A restarted worker gets the last snapshot and every
// batch since it again, in order, before anything new: no change is lost and per-key order holds.
import { Worker } from 'node:worker_threads';
import type { HandlerSpec } from './partition-handler.js';
import { StreamError, StreamErrorCode } from './stream-errors.js';
import { deserializeError, type FromWorker, type ToWorker, type WorkerStart } from './worker-messages.js';

// From TypeScript sources (tests, tsx) the worker starts through a bootstrap that registers tsx; the
// built package runs the compiled worker directly.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(
  FROM_SOURCES ? './worker-bootstrap.mjs' : './partition-worker.js',
  import.meta.url,
);
const WORKER_ENTRY = new URL('./partition-worker.ts', import.meta.url).href;

/** Options a lane shares with its processor. */
export interface LaneOptions {
  readonly partitions: number;
  readonly handler: HandlerSpec;
  readonly batchSize: number;
  readonly queueCapacity: number;
  readonly maxRestarts: number;
  readonly checkpointEvery: number;
  readonly onOutput: ((partition: number, seq: number, value: unknown) => void) | undefined;
}

/** A lane's gauges and counters (queue depth is `queued`). */
export interface PartitionMetrics {
  readonly partition: number;
  state: LaneState;
  /** Changes routed here and not yet acknowledged (waiting, or sent and being handled). */
  queued: number;
  /** The largest `queued` seen. */
  maxQueued: number;
  /** Changes acknowledged by the worker (a redelivered change counts again). */
  handled: number;
  /** Batches posted to a worker (redeliveries included). */
  batches: number;
  /** Changes posted again to a restarted worker. */
  redelivered: number;
  /** Workers started after a failure. */
  restarts: number;
}

export type LaneState = 'starting' | 'running' | 'restarting' | 'failed' | 'closing' | 'closed';

interface Batch {
  readonly first: number;
  readonly events: unknown[];
  /** Posted to some worker before (a later post is a redelivery). */
  sent: boolean;
}

export class PartitionLane {
  readonly metrics: PartitionMetrics;
  private pending: unknown[] = [];
  /** Batches not acknowledged, in order; `posted` of them are with the current worker. */
  private inflight: Batch[] = [];
  private posted = 0;
  /** Acknowledged batches since the last snapshot, kept for a handler that snapshots. */
  private retained: Batch[] = [];
  private snapshot: unknown;
  private hasSnapshot = false;
  private snapshots = false;
  private nextSeq = 0;
  private worker: Worker | undefined;
  private generation = 0;
  private failureSeq = -1;
  private failuresInARow = 0;
  private room: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined;
  private idle: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined;
  private readonly requests = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private nextRequest = 0;
  private stopped: (() => void) | undefined;
  private started: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined =
    deferred();
  /** Why the lane failed, once it has. */
  failure: StreamError | undefined;

  constructor(
    readonly partition: number,
    private readonly options: LaneOptions,
  ) {
    this.metrics = {
      partition,
      state: 'starting',
      queued: 0,
      maxQueued: 0,
      handled: 0,
      batches: 0,
      redelivered: 0,
      restarts: 0,
    };
    this.startWorker();
  }

  /** Queues `event`; returns a promise to await before pushing more when the lane is full. */
  push(event: unknown): Promise<void> | undefined {
    this.pending.push(event);
    const m = this.metrics;
    if (++m.queued > m.maxQueued) m.maxQueued = m.queued;
    if (this.pending.length >= this.options.batchSize) this.cut();
    return m.queued >= this.options.queueCapacity ? this.waitForRoom() : undefined;
  }

  /** Resolves once the first worker has built its handler. */
  whenStarted(): Promise<void> {
    return this.started?.promise ?? (this.failure ? Promise.reject(this.failure) : Promise.resolve());
  }

  /** Sends what is queued as a (short) batch. */
  flush(): void {
    if (this.pending.length > 0) this.cut();
  }

  /** Resolves once every queued change is acknowledged; rejects if the lane fails. */
  whenIdle(): Promise<void> {
    this.flush();
    if (this.failure) return Promise.reject(this.failure);
    if (this.metrics.queued === 0) return Promise.resolve();
    this.idle ??= deferred();
    return this.idle.promise;
  }

  /** The handler's `result()`, after everything queued before has been handled. */
  collect(): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      this.post({ t: 'collect', id });
    });
  }

  /** Calls the handler's `close()` and ends the worker. */
  async close(): Promise<void> {
    if (this.metrics.state === 'closed' || this.metrics.state === 'failed') return;
    const worker = this.worker;
    if (worker && this.metrics.state === 'running') {
      await new Promise<void>((resolve) => {
        this.stopped = resolve;
        worker.postMessage({ t: 'stop' } satisfies ToWorker);
      });
    }
    await this.terminate();
  }

  /** Ends the worker now, without waiting for queued changes. */
  async terminate(): Promise<void> {
    this.setState('closed');
    this.generation++;
    const closed = new StreamError(StreamErrorCode.closed, 'the stream processor is closed');
    this.rejectWaiters(closed);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private cut(): void {
    const events = this.pending;
    this.pending = [];
    this.inflight.push({ first: this.nextSeq, events, sent: false });
    this.nextSeq += events.length;
    if (this.metrics.state === 'running') this.postInflight();
  }

  private postInflight(): void {
    const m = this.metrics;
    while (this.posted < this.inflight.length) {
      const batch = this.inflight[this.posted++]!;
      if (batch.sent) m.redelivered += batch.events.length;
      batch.sent = true;
      m.batches++;
      this.post({ t: 'batch', first: batch.first, events: batch.events });
    }
  }

  private post(message: ToWorker): void {
    // A message for a worker that is starting or restarting waits: batches in `inflight`, requests
    // are posted again on `ready`.
    if (this.metrics.state === 'running') this.worker!.postMessage(message);
  }

  private startWorker(): void {
    const generation = ++this.generation;
    const { handler } = this.options;
    const start: WorkerStart = {
      entry: WORKER_ENTRY,
      module: String(handler.module),
      export: handler.export ?? 'default',
      options: handler.options,
      partition: this.partition,
      partitions: this.options.partitions,
      restarts: this.metrics.restarts,
      checkpointEvery: this.options.checkpointEvery,
      restore: this.hasSnapshot,
      snapshot: this.snapshot,
    };
    const worker = new Worker(WORKER_URL, { workerData: start });
    this.worker = worker;
    worker.on('message', (message: FromWorker) => {
      if (generation === this.generation) this.onMessage(message);
    });
    worker.on('error', (error) => {
      if (generation === this.generation) this.onFailure(this.inflight[0]?.first ?? this.nextSeq, error);
    });
    worker.on('exit', (code) => {
      if (generation === this.generation) {
        this.onFailure(
          this.inflight[0]?.first ?? this.nextSeq,
          new Error(`the worker exited with code ${code}`),
        );
      }
    });
  }

  private onMessage(message: FromWorker): void {
    switch (message.t) {
      case 'ready':
        this.snapshots = message.snapshots;
        this.setState('running');
        this.started?.resolve();
        this.started = undefined;
        this.posted = 0;
        this.postInflight();
        for (const id of this.requests.keys())
          this.worker!.postMessage({ t: 'collect', id } satisfies ToWorker);
        return;
      case 'ack':
        this.onAck(message);
        return;
      case 'failed':
        this.onFailure(message.seq, deserializeError(message.error));
        return;
      case 'result': {
        const request = this.requests.get(message.id);
        this.requests.delete(message.id);
        request?.resolve(message.value);
        return;
      }
      case 'stopped':
        this.stopped?.();
        return;
    }
  }

  private onAck(ack: Extract<FromWorker, { t: 'ack' }>): void {
    const batch = this.inflight.shift();
    if (!batch || batch.first !== ack.first) {
      throw new Error(`partition ${this.partition}: acknowledgement out of order (internal error)`);
    }
    this.posted--;
    const m = this.metrics;
    m.queued -= ack.count;
    m.handled += ack.count;
    if (this.failureSeq < ack.first + ack.count) this.failuresInARow = 0;
    if (ack.hasSnapshot) {
      this.snapshot = ack.snapshot;
      this.hasSnapshot = true;
      this.retained = [];
    } else if (this.snapshots) {
      this.retained.push(batch);
    }
    const onOutput = this.options.onOutput;
    if (onOutput) {
      for (let i = 0; i < ack.outputs.length; i++)
        onOutput(this.partition, ack.outputSeqs[i]!, ack.outputs[i]);
    }
    if (this.room && m.queued < this.options.queueCapacity) {
      this.room.resolve();
      this.room = undefined;
    }
    if (this.idle && m.queued === 0 && this.pending.length === 0) {
      this.idle.resolve();
      this.idle = undefined;
    }
  }

  private onFailure(seq: number, error: Error): void {
    if (this.metrics.state === 'closed' || this.metrics.state === 'failed') return;
    this.generation++;
    void this.worker?.terminate();
    this.worker = undefined;
    this.failuresInARow = seq === this.failureSeq ? this.failuresInARow + 1 : 1;
    this.failureSeq = seq;
    if (this.failuresInARow > this.options.maxRestarts) {
      this.setState('failed');
      this.failure = new StreamError(
        StreamErrorCode.partitionFailed,
        `the handler of partition ${this.partition} failed ${this.failuresInARow} times on the change at ` +
          `sequence ${seq} (the last error is the cause); fix the handler, or make it skip that change`,
        { cause: error },
      );
      this.rejectWaiters(this.failure);
      return;
    }
    // Everything since the last snapshot goes again, in order, to a worker restored from it.
    this.inflight = [...this.retained, ...this.inflight];
    for (const batch of this.retained) this.metrics.queued += batch.events.length;
    this.retained = [];
    this.posted = 0;
    this.metrics.restarts++;
    this.setState('restarting');
    this.startWorker();
  }

  private waitForRoom(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.room ??= deferred();
    return this.room.promise;
  }

  private rejectWaiters(error: StreamError): void {
    this.started?.reject(error);
    this.started = undefined;
    this.room?.reject(error);
    this.room = undefined;
    this.idle?.reject(error);
    this.idle = undefined;
    for (const request of this.requests.values()) request.reject(error);
    this.requests.clear();
    this.stopped?.();
  }

  private setState(state: LaneState): void {
    this.metrics.state = state;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A waiter nobody awaits any more must not crash the process when the lane fails.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
