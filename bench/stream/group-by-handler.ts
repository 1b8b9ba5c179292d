// The benchmark's partition handler: SELECT tenant_id, count(*), sum(amount) … GROUP BY tenant_id,
// kept per partition in a Map; result() returns [tenant_id, count, sum] rows. It does not snapshot
// (the benchmark injects no failures), so the figures are the stream's cost, not checkpointing's.
import { defineHandler } from '../../src/stream/partition-handler.js';

/** The benchmark's synthetic change: an insert into orders(tenant_id, amount). */
export interface OrderChange {
  readonly table: string;
  readonly shard: number;
  readonly position: number;
  readonly op: 'insert';
  readonly row: { readonly tenant_id: number; readonly amount: number };
}

export default defineHandler<OrderChange>(() => {
  const groups = new Map<number, { count: number; sum: number }>();
  return {
    handle(change) {
      const { tenant_id, amount } = change.row;
      const group = groups.get(tenant_id);
      if (group) {
        group.count++;
        group.sum += amount;
      } else {
        groups.set(tenant_id, { count: 1, sum: amount });
      }
    },
    result: () => [...groups].map(([tenant, g]) => [tenant, g.count, g.sum]),
  };
});
