// Drops events a consumer has seen: delivery is at least once, and positions increase strictly per
// shard, so an event at or before the last position applied for its shard is a duplicate. Keep the
// positions with the consumer's state (persist them together) and the effect is exactly once.
import type { ChangeEvent } from './change-event.js';
import { type ChangePosition, parseChangePosition } from './change-position.js';

/**
 * The last applied position of each shard.
 *
 * @example
 *   const seen = new ChangeDeduplicator(await loadCheckpoint()); // { s0: '…', s1: '…' }
 *   for (const event of batch) if (seen.accept(event)) apply(event);
 *   await saveCheckpoint(seen.positions());
 */
export class ChangeDeduplicator {
  readonly #last = new Map<string, ChangePosition>();

  /** @param positions the last applied position per shard name, as `positions()` returned them */
  constructor(positions: Readonly<Record<string, string>> = {}) {
    for (const [shard, position] of Object.entries(positions))
      this.#last.set(shard, parseChangePosition(position));
  }

  /** True (and the position is recorded) when `event` comes after everything applied for its shard. */
  accept(event: Pick<ChangeEvent, 'shard' | 'position'>): boolean {
    const last = this.#last.get(event.shard);
    if (last !== undefined && event.position <= last) return false;
    this.#last.set(event.shard, event.position);
    return true;
  }

  /** The events of `events` that `accept` takes, in order. */
  filter<E extends Pick<ChangeEvent, 'shard' | 'position'>>(events: readonly E[]): E[] {
    return events.filter((event) => this.accept(event));
  }

  /** The last applied position of `shard`, or null. */
  position(shard: string): ChangePosition | null {
    return this.#last.get(shard) ?? null;
  }

  /** Every shard's last applied position, to persist. */
  positions(): Record<string, ChangePosition> {
    return Object.fromEntries(this.#last);
  }
}
