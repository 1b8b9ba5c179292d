// A partition's worker thread: imports the handler module, builds the partition's handler (restoring
// its last snapshot after a restart), handles batches in order and acknowledges each one with the
// outputs it emitted. On the first failure it reports the change's sequence number and stops
// handling; the processor then replaces this worker and delivers the unacknowledged batches again.
import { parentPort, workerData } from 'node:worker_threads';
import type { PartitionHandler, PartitionHandlerFactory } from './partition-handler.js';
import { type FromWorker, serializeError, type ToWorker, type WorkerStart } from './worker-messages.js';

const start = workerData as WorkerStart;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

let outputs: unknown[] = [];
let outputSeqs: number[] = [];
let seq = -1;
let failed = false;
let busy = false;
let sinceSnapshot = 0;
const queue: ToWorker[] = [];

const handler = await (async (): Promise<PartitionHandler> => {
  const mod = (await import(start.module)) as Record<string, unknown>;
  const factory = mod[start.export];
  if (typeof factory !== 'function') {
    throw new TypeError(`the handler module ${start.module} has no function export "${start.export}"`);
  }
  const built = await (factory as PartitionHandlerFactory)({
    partition: start.partition,
    partitions: start.partitions,
    restarts: start.restarts,
    options: start.options,
    emit(value) {
      outputs.push(value);
      outputSeqs.push(seq);
    },
  });
  if (start.restore) built.restore?.(start.snapshot);
  return built;
})();

port.on('message', (message: ToWorker) => {
  queue.push(message);
  if (!busy) void pump();
});
post({ t: 'ready', snapshots: typeof handler.snapshot === 'function' });

async function pump(): Promise<void> {
  busy = true;
  while (queue.length > 0 && !failed) {
    const message = queue.shift()!;
    if (message.t === 'batch') await handleBatch(message.first, message.events);
    else if (message.t === 'collect') post({ t: 'result', id: message.id, value: await handler.result?.() });
    else {
      await handler.close?.();
      post({ t: 'stopped' });
    }
  }
  busy = false;
}

async function handleBatch(first: number, events: readonly unknown[]): Promise<void> {
  outputs = [];
  outputSeqs = [];
  try {
    for (let i = 0; i < events.length; i++) {
      seq = first + i;
      const done = handler.handle(events[i], seq);
      // Only an async handler pays for awaiting.
      if (done !== undefined) await done;
    }
  } catch (error) {
    failed = true;
    post({ t: 'failed', seq, error: serializeError(error) });
    return;
  }
  let snapshot: unknown;
  let hasSnapshot = false;
  if (handler.snapshot && ++sinceSnapshot >= start.checkpointEvery) {
    snapshot = handler.snapshot();
    hasSnapshot = true;
    sinceSnapshot = 0;
  }
  post({ t: 'ack', first, count: events.length, outputs, outputSeqs, snapshot, hasSnapshot });
}
