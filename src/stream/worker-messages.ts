// The messages between the processor (main thread) and a partition's worker. Changes travel in
// batches, one message each: posting one message per change costs several times the change itself.

/** What a worker is started with (`workerData`). */
export interface WorkerStart {
  /** The worker module to run (the bootstrap imports it after registering TypeScript support). */
  readonly entry?: string;
  readonly module: string;
  readonly export: string;
  readonly options: unknown;
  readonly partition: number;
  readonly partitions: number;
  readonly restarts: number;
  readonly checkpointEvery: number;
  /** Whether `snapshot` holds a state to restore. */
  readonly restore: boolean;
  readonly snapshot: unknown;
}

/** Main thread → worker. */
export type ToWorker =
  | { readonly t: 'batch'; readonly first: number; readonly events: readonly unknown[] }
  | { readonly t: 'collect'; readonly id: number }
  | { readonly t: 'stop' };

/** An error as it crosses threads. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly code?: unknown;
}

/** Worker → main thread. */
export type FromWorker =
  | { readonly t: 'ready'; readonly snapshots: boolean }
  | {
      readonly t: 'ack';
      readonly first: number;
      readonly count: number;
      readonly outputs: readonly unknown[];
      readonly outputSeqs: readonly number[];
      readonly snapshot?: unknown;
      readonly hasSnapshot: boolean;
    }
  | { readonly t: 'failed'; readonly seq: number; readonly error: SerializedError }
  | { readonly t: 'result'; readonly id: number; readonly value: unknown }
  | { readonly t: 'stopped' };

/** An error as a plain object that survives structured cloning with its name, stack and code. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: (error as { code?: unknown }).code,
    };
  }
  return { name: 'Error', message: String(error) };
}

/** An Error rebuilt from its serialized form. */
export function deserializeError(error: SerializedError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  if (error.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}
