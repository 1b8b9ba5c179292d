// What runs inside each partition's worker thread: a module whose export builds a handler for one
// partition. Functions cannot cross threads, so the processor is given the module's URL and the
// export's name, and each worker imports it.

/** What a handler is given when its worker starts. */
export interface PartitionContext<O = unknown> {
  /** This partition's number, 0..partitions-1. */
  readonly partition: number;
  readonly partitions: number;
  /** How often this partition's worker has been restarted after a failure (0 at first). */
  readonly restarts: number;
  /** `HandlerSpec.options`, structured-cloned into the worker. */
  readonly options: unknown;
  /**
   * Sends `value` to the processor's `onOutput` with the sequence number of the change being handled.
   * Outputs travel with the batch's acknowledgement: those of a batch that fails are dropped, and
   * the batch is handled again.
   */
  emit(value: O): void;
}

/**
 * Handles the changes of one partition, in order. Delivery is at-least-once: after a failure the
 * changes not yet acknowledged (and, for a handler that snapshots, those since its last snapshot) are
 * handled again by a new handler, with the same sequence numbers, so a handler (or the consumer of its
 * outputs) drops what it has seen by `seq` or by the change's own position.
 */
export interface PartitionHandler<E = unknown> {
  /** Handles one change; `seq` numbers this partition's changes from 0, the same on redelivery. */
  handle(event: E, seq: number): void | Promise<void>;
  /** This handler's state, structured-cloneable, taken every `checkpointEvery` batches. */
  snapshot?(): unknown;
  /** Called before any `handle` by a restarted worker, with the last snapshot. */
  restore?(state: unknown): void;
  /** What `PartitionedProcessor.collect` returns for this partition once every change is handled. */
  result?(): unknown;
  /** Called once when the processor closes. */
  close?(): void | Promise<void>;
}

/** A handler module's export: builds the handler of one partition. */
export type PartitionHandlerFactory<E = unknown, O = unknown> = (
  context: PartitionContext<O>,
) => PartitionHandler<E> | Promise<PartitionHandler<E>>;

/** Where a worker finds its handler. */
export interface HandlerSpec {
  /** The module's URL (`new URL('./my-handler.ts', import.meta.url)`) or an absolute file URL string. */
  readonly module: URL | string;
  /** The export to call; default `default`. */
  readonly export?: string;
  /** Passed to every handler as `context.options` (structured-cloned). */
  readonly options?: unknown;
}

/**
 * Types a handler factory (it returns its argument).
 *
 * @example
 *   // count-by-tenant.ts
 *   export default defineHandler<OrderChange>((ctx) => {
 *     const counts = new Map<number, number>();
 *     return {
 *       handle: (change) => void counts.set(change.row.tenant_id, (counts.get(change.row.tenant_id) ?? 0) + 1),
 *       snapshot: () => counts,
 *       restore: (state) => { for (const [k, v] of state as Map<number, number>) counts.set(k, v); },
 *       result: () => counts,
 *     };
 *   });
 */
export function defineHandler<E, O = unknown>(
  factory: PartitionHandlerFactory<E, O>,
): PartitionHandlerFactory<E, O> {
  return factory;
}
