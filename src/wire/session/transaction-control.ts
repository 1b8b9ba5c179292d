// BEGIN, COMMIT, ROLLBACK and savepoints for a session whose transaction may span the shards it reads
// from (it writes to one). BEGIN is lazy: a shard joins the transaction when a statement first goes
// there (ShardLinks.pipeFor); COMMIT and ROLLBACK go to every shard that joined.
import type { TransactionAction } from '../../router/route-plan.js';
import type { NoticeFields } from '../codec/index.js';
import { errorMessageOf, runInternal } from './internal-query.js';
import { SessionError } from './session-error.js';
import type { ShardLinks } from './shard-links.js';

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
      links.transaction = { status: 'T', begin: sql, shards: [], writeShard: undefined, savepoints: [] };
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

/** COMMIT/ROLLBACK AND CHAIN: a new transaction with the same characteristics as the last. */
function chain(links: ShardLinks, begin: string): void {
  links.transaction = { status: 'T', begin, shards: [], writeShard: undefined, savepoints: [] };
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
 * shard last, so a failure to commit the write is the last thing that can happen.
 */
async function finish(links: ShardLinks, verb: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  const txn = links.transaction!;
  const order = [
    ...txn.shards.filter((s) => s !== txn.writeShard),
    ...(txn.writeShard ? [txn.writeShard] : []),
  ];
  links.transaction = undefined;
  let failure: SessionError | undefined;
  for (const shard of order) {
    const result = await runInternal(await links.pipeFor(shard, false), verb);
    if (result.error && !failure) {
      const e = errorMessageOf(result.error);
      failure = new SessionError(e.code, `${verb} failed on shard ${shard}: ${e.message}`);
    }
  }
  if (failure) throw failure;
}
