// Deadlock detection for embedded shards. A PGlite shard has one connection, so a client session's
// transaction holds the whole shard until it ends; two transactions that write to several embedded
// shards in different orders would each wait for the other's shard until the lock timeout. This
// graph, shared by every embedded shard of the process, records which session holds each shard and
// which shard each session waits for; a wait that would close a cycle is refused at once with
// 40P01, as PostgreSQL's own deadlock detector refuses the waiter that closes one.

/** Which session holds and waits for which embedded shard lock. */
export class EmbeddedWaitGraph {
  readonly #holder = new Map<object, object>();
  readonly #waitsFor = new Map<object, object>();

  /** True when `owner` waiting for `lock` would close a cycle of waits. */
  wouldDeadlock(owner: object, lock: object): boolean {
    const seen = new Set<object>();
    for (let holder = this.#holder.get(lock); holder && !seen.has(holder); ) {
      if (holder === owner) return true;
      seen.add(holder);
      const next = this.#waitsFor.get(holder);
      if (!next) return false;
      holder = this.#holder.get(next);
    }
    return false;
  }

  /** `owner` starts waiting for `lock`. */
  wait(owner: object, lock: object): void {
    this.#waitsFor.set(owner, lock);
  }

  /** `owner` stopped waiting (it got the lock, or gave up). */
  stopWaiting(owner: object): void {
    this.#waitsFor.delete(owner);
  }

  /** `owner` holds `lock`. */
  hold(lock: object, owner: object): void {
    this.#holder.set(lock, owner);
  }

  /** `owner` gave `lock` back. */
  release(lock: object, owner: object): void {
    if (this.#holder.get(lock) === owner) this.#holder.delete(lock);
  }
}

/** The graph of every embedded shard in this process. */
export const embeddedWaits = new EmbeddedWaitGraph();
