// A TxnLog in memory, for tests of the coordinator and of code built on it. It keeps the contract
// (first writer wins, forget, pending) but nothing survives the process.
import { TxnLogError, TxnSqlState } from './txn-errors.js';
import { checkDecideArgs, checkGid, type Decision, type DecisionRecord, type TxnLog } from './txn-log.js';

interface Entry {
  readonly decision: Decision;
  readonly participants: readonly string[];
  readonly decidedBy: string;
  readonly at: number;
}

/** How a MemoryTxnLog tells time (for `ageMs`). */
export interface MemoryTxnLogOptions {
  /** Milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A TxnLog that lives in memory only.
 *
 * @example
 *   const log = new MemoryTxnLog();
 *   await log.decide('sy_r1_x_1', 'abort', ['s0']); // 'abort'
 *   await log.decide('sy_r1_x_1', 'commit', ['s0']); // still 'abort': the first writer won
 */
export class MemoryTxnLog implements TxnLog {
  readonly location = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #closed = false;

  constructor(options: MemoryTxnLogOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async decide(
    gid: string,
    decision: Decision,
    participants: readonly string[],
    decidedBy = '',
  ): Promise<Decision> {
    checkDecideArgs(gid, decision, participants);
    this.#checkOpen();
    const existing = this.#entries.get(gid);
    if (existing) return existing.decision;
    this.#entries.set(gid, { decision, participants: [...participants], decidedBy, at: this.#now() });
    return decision;
  }

  async decision(gid: string): Promise<Decision | undefined> {
    checkGid(gid);
    this.#checkOpen();
    return this.#entries.get(gid)?.decision;
  }

  async forget(gid: string): Promise<void> {
    checkGid(gid);
    this.#checkOpen();
    this.#entries.delete(gid);
  }

  async pending(): Promise<DecisionRecord[]> {
    this.#checkOpen();
    const now = this.#now();
    return [...this.#entries].map(([gid, e]) => ({
      gid,
      decision: e.decision,
      participants: e.participants,
      decidedBy: e.decidedBy,
      ageMs: Math.max(0, now - e.at),
    }));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new TxnLogError(
        TxnSqlState.objectNotInPrerequisiteState,
        'the in-memory coordinator log is closed',
      );
    }
  }
}
