// Cross-shard reads suspended at an Execute row limit (cursors): the merged rows still to send, per
// portal. A suspended read holds answers owed on its shards' connections, so it is ended before any
// other statement uses them (PostgreSQL would keep such a portal open inside a transaction).
import type { TextRow } from '../../router/merge/merge-plan.js';
import { encodeCommandComplete, encodeDataRow, encodePortalSuspended } from '../codec/index.js';
import type { OpenScatter } from './scatter-read.js';
import type { SessionOutput } from './session-output.js';

interface Suspended {
  readonly open: OpenScatter;
  /** Rows pulled from the merge and not yet sent, from `at` on. */
  pending: readonly TextRow[];
  at: number;
  sent: number;
}

/** The suspended cross-shard reads of one session, keyed by their portal object. */
export class SuspendedReads {
  readonly #reads = new Map<object, Suspended>();

  constructor(private readonly out: SessionOutput) {}

  /** Whether `portal`'s read was started and not finished. */
  has(portal: object): boolean {
    return this.#reads.has(portal);
  }

  /** Remembers a read just started for `portal`. */
  add(portal: object, open: OpenScatter): void {
    this.#reads.set(portal, { open, pending: [], at: 0, sent: 0 });
  }

  /**
   * Sends up to `limit` rows (0: all) of `portal`'s read, then PortalSuspended, or CommandComplete
   * once every row was sent. A failing read is forgotten and its error thrown.
   */
  async send(portal: object, limit: number): Promise<void> {
    const read = this.#reads.get(portal);
    if (!read) return;
    let sent = 0;
    let done = false;
    try {
      while (limit === 0 || sent < limit) {
        if (read.at === read.pending.length) {
          const next = await read.open.rows.next();
          if (next.done) {
            done = true;
            break;
          }
          read.pending = next.value;
          read.at = 0;
        }
        while (read.at < read.pending.length && (limit === 0 || sent < limit)) {
          this.out.push(encodeDataRow(read.open.encode(read.pending[read.at++]!)));
          sent++;
        }
        await this.out.relieve();
      }
    } catch (error) {
      this.#reads.delete(portal);
      throw error;
    }
    read.sent += sent;
    if (done) {
      this.#reads.delete(portal);
      this.out.push(encodeCommandComplete(`SELECT ${read.sent}`));
    } else {
      this.out.push(encodePortalSuspended());
    }
  }

  /** Ends every suspended read but `keep`'s: the rest of its shards' answers are read and dropped. */
  async closeAll(keep?: object): Promise<void> {
    for (const [portal, read] of this.#reads) {
      if (portal === keep) continue;
      this.#reads.delete(portal);
      await read.open.rows.return(undefined);
    }
  }
}
