// One shard's part of a transaction that spans shards, as the coordinator sees it. The wire session
// implements it over the shard connection that ran the transaction's statements; `SessionParticipant`
// implements it over a ShardSession (COPY, DDL, tests).
import type { ShardSession } from '../backend/shard-backend.js';

/**
 * A shard's open transaction, ready to be ended by the coordinator.
 *
 * - `prepare(gid)` ends the transaction with `PREPARE TRANSACTION 'gid'` on the connection that ran
 *   it, and resolves once the shard answered that it prepared. `gid` is this shard's branch of the
 *   transaction (`<transaction gid>.<shard>`, see gid.ts): use it as given. From then on the transaction belongs
 *   to the shard, not the connection: the coordinator finishes it with COMMIT PREPARED or ROLLBACK
 *   PREPARED through the shard's backend, and the participant must not touch it again (it may give
 *   its connection back as soon as `prepare` resolved). A rejection means the transaction was not
 *   prepared; when the connection broke mid-way the coordinator also rolls back `gid` on the shard
 *   in case the PREPARE did land.
 * - `abort()` rolls back the open transaction (if still open) and frees the connection. The
 *   coordinator calls it for every participant that did not prepare when the transaction is rolled
 *   back. It must not throw for a transaction that already ended.
 *
 * Neither is called concurrently with the other for one participant.
 */
export interface TxnParticipant {
  /** The shard's name, as in the catalog and `ShardBackend.shard`. */
  readonly shard: string;
  prepare(gid: string): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A participant over a ShardSession holding the shard's transaction: `prepare` runs PREPARE
 * TRANSACTION then releases the session; `abort` releases it (which rolls back an open transaction).
 *
 * @example
 *   const session = await backend.session();
 *   await session.exec('BEGIN');
 *   await session.query('UPDATE accounts SET balance = balance - 10 WHERE id = $1', [id]);
 *   participants.push(new SessionParticipant(backend.shard, session));
 */
export class SessionParticipant implements TxnParticipant {
  constructor(
    readonly shard: string,
    private readonly session: ShardSession,
  ) {}

  async prepare(gid: string): Promise<void> {
    try {
      await this.session.prepareTransaction(gid);
    } finally {
      await this.session.release();
    }
  }

  abort(): Promise<void> {
    return this.session.release();
  }
}
