import { describe } from 'vitest';
import { txnLogSuite } from '../../test/txn/support/txn-log.suite.js';
import { MemoryTxnLog } from './memory-txn-log.js';

describe('MemoryTxnLog', () => {
  txnLogSuite({ fresh: async () => new MemoryTxnLog(), concurrentOpen: false });
});
