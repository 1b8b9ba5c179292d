// BEGIN, COMMIT, ROLLBACK and savepoints for a session whose transaction may span shards. BEGIN is
// lazy: a shard joins the transaction when a statement first goes there (ShardLinks.pipeFor);
// ROLLBACK goes to every shard that joined. COMMIT of a transaction that wrote to one shard (or
// none) is a plain COMMIT on each shard, written shard last; one that wrote to several commits with
// two-phase commit (src/txn): the shards that only read commit first, then the written shards
// PREPARE, the decision is made durable and they COMMIT PREPARED.
import type { TransactionAction } from '../../router/route-plan.js';
import type { NoticeFields } from '../codec/index.js';
import { errorMessageOf, runInternal } from './internal-query.js';
import { SessionError } from './session-error.js';
import type { ShardLinks, Transaction } from './shard-links.js';

/** What the client is told: a command tag, and optionally a warning before it. */
export interface TransactionReply {
  readonly tag: string;
  readonly warning?: NoticeFields;
}

const noTransaction = (what: string): NoticeFields => ({
  severity: 'WARNING',
  code: '25P01',
  message: `there is no transaction in progress`,
  detail: `${what} outside a transaction block has no effect`,
});

/** Carries out a transaction-control statement (`sql` as the client wrote it). */
export async function controlTransaction(
  links: ShardLinks,
  action: TransactionAction,
  sql: string,
): Promise<TransactionReply> {
  const txn = links.transaction;
  switch (action.type) {
    case 'begin':
      if (txn) {
        return {
          tag: 'BEGIN',
          warning: {
            severity: 'WARNING',
            code: '25001',
            message: 'there is already a transaction in progress',
          },
        };
      }
      links.transaction = newTransaction(sql);
      return { tag: 'BEGIN' };
    case 'commit': {
      if (!txn) return { tag: 'COMMIT', warning: noTransaction('COMMIT') };
      const failed = txn.status === 'E';
      await finish(links, failed ? 'ROLLBACK' : 'COMMIT');
      if (action.chain) chain(links, txn.begin);
      return { tag: failed ? 'ROLLBACK' : 'COMMIT' };
    }
    case 'rollback':
      if (!txn) return { tag: 'ROLLBACK', warning: noTransaction('ROLLBACK') };
      await finish(links, 'ROLLBACK');
      if (action.chain) chain(links, txn.begin);
      return { tag: 'ROLLBACK' };
    case 'savepoint':
    case 'release':
    case 'rollback-to': {
      if (!txn) {
        const verb =
          action.type === 'savepoint'
            ? 'SAVEPOINT'
            : action.type === 'release'
              ? 'RELEASE SAVEPOINT'
              : 'ROLLBACK TO SAVEPOINT';
        throw new SessionError('25P01', `${verb} can only be used in transaction blocks`);
      }
      await onEveryShard(links, sql);
      const at = txn.savepoints.lastIndexOf(action.name);
      if (action.type === 'savepoint') txn.savepoints.push(action.name);
      else if (at < 0) throw new SessionError('3B001', `savepoint "${action.name}" does not exist`);
      else if (action.type === 'release') txn.savepoints.splice(at);
      else {
        txn.savepoints.splice(at + 1);
        txn.status = 'T';
      }
      return {
        tag: action.type === 'savepoint' ? 'SAVEPOINT' : action.type === 'release' ? 'RELEASE' : 'ROLLBACK',
      };
    }
  }
}

/** A transaction just begun with `begin` (no shard has joined yet). */
export function newTransaction(begin: string): Transaction {
  return { status: 'T', begin, shards: [], writeShards: [], savepoints: [] };
}

/**
 * Runs `work` inside the client's transaction, or else inside one of its own that commits when
 * `work` succeeds (with two-phase commit if it wrote to several shards) and rolls back when it
 * fails: what a statement writing to several shards, or a query string reaching several, needs
 * to be atomic. A failure inside the client's transaction aborts it.
 */
export async function inTransaction<T>(links: ShardLinks, work: () => Promise<T>): Promise<T> {
  if (links.transaction) {
    try {
      return await work();
    } catch (error) {
      if (links.transaction) links.transaction.status = 'E';
      throw error;
    }
  }
  links.transaction = newTransaction('BEGIN');
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await controlTransaction(links, { type: 'rollback' }, 'ROLLBACK').catch(() => {});
    throw error;
  }
  await controlTransaction(links, { type: 'commit' }, 'COMMIT');
  return result;
}

/** COMMIT/ROLLBACK AND CHAIN: a new transaction with the same characteristics as the last. */
function chain(links: ShardLinks, begin: string): void {
  links.transaction = newTransaction(begin);
}

/** Sends `sql` to every shard in the transaction; the first error is the client's error. */
async function onEveryShard(links: ShardLinks, sql: string): Promise<void> {
  const txn = links.transaction!;
  for (const shard of txn.shards) {
    const result = await runInternal(await links.pipeFor(shard, false), sql);
    if (result.error) {
      const e = errorMessageOf(result.error);
      txn.status = 'E';
      throw new SessionError(e.code, `shard ${shard}: ${e.message}`, e.hint ? { hint: e.hint } : {});
    }
  }
}

/**
 * Commits or rolls back on every shard that joined, shards that only read first and the written
 * shards last, so a failure to commit a write is the last thing that can happen.
 */
async function finish(links: ShardLinks, verb: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  const txn = links.transaction!;
  const written = txn.writeShards;
  const readOnly = txn.shards.filter((s) => !written.includes(s));
  links.transaction = undefined;
  const coordinator = links.coordinator;
  if (verb === 'COMMIT' && written.length > 1 && coordinator) {
    await endEach(links, readOnly, 'COMMIT');
    await commitAcrossShards(links, coordinator, written, txn.gid);
    return;
  }
  await endEach(links, [...readOnly, ...written], verb);
  if (verb === 'COMMIT' && written.length === 1) coordinator?.noteOnePhase();
}

/** Sends COMMIT or ROLLBACK to each shard in order; the first failure is the client's error. */
async function endEach(
  links: ShardLinks,
  shards: readonly string[],
  verb: 'COMMIT' | 'ROLLBACK',
): Promise<void> {
  let failure: SessionError | undefined;
  for (const shard of shards) {
    const pipe = await links.pipeFor(shard, false);
    // A shard whose BEGIN never ran (its batch was refused, e.g. by deadlock detection) has nothing
    // to end; on an embedded shard, asking would wait for the shard's lock for nothing.
    if (pipe.owed === 0 && pipe.connection.transactionStatus === 'I') continue;
    const result = await runInternal(pipe, verb);
    if (result.error && !failure) {
      const e = errorMessageOf(result.error);
      failure = new SessionError(e.code, `${verb} failed on shard ${shard}: ${e.message}`);
    }
  }
  if (failure) throw failure;
}

/** Two-phase commit over the shards the transaction wrote to, through their own connections. */
async function commitAcrossShards(
  links: ShardLinks,
  coordinator: NonNullable<ShardLinks['coordinator']>,
  shards: readonly string[],
  gid = coordinator.newGid(),
): Promise<void> {
  const participants = await Promise.all(
    shards.map(async (shard) => {
      const pipe = await links.pipeFor(shard, false);
      return {
        shard,
        prepare: async (gid: string) => {
          const result = await runInternal(pipe, `PREPARE TRANSACTION '${gid}'`);
          if (result.error) {
            const e = errorMessageOf(result.error);
            throw new SessionError(e.code, `shard ${shard}: ${e.message}`, e.hint ? { hint: e.hint } : {});
          }
        },
        abort: async () => {
          if (pipe.connection.broken) return;
          await runInternal(pipe, 'ROLLBACK').catch(() => {});
        },
      };
    }),
  );
  try {
    await coordinator.commit(gid, participants);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    throw new SessionError(
      typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : '40000',
      message ?? 'the transaction was rolled back on every shard',
      { cause: error },
    );
  }
}
