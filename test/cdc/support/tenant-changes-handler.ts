// A partition handler for the capture → stream test (handlers are modules the worker threads load):
// it emits, for every change it handles, its shard, position, tenant and operation, so the test can
// check that each change was handled once, in its tenant's order, on its tenant's partition.
import { defineHandler } from '../../../src/stream/partition-handler.js';

interface CapturedChange {
  readonly shard: string;
  readonly position: string;
  readonly op: string;
  readonly old: { readonly tenant_id?: bigint } | null;
  readonly new: { readonly tenant_id?: bigint } | null;
}

export const tenantChanges = defineHandler<CapturedChange>((ctx) => ({
  handle(change) {
    const tenant = (change.new ?? change.old)?.tenant_id;
    ctx.emit({ shard: change.shard, position: change.position, op: change.op, tenant: String(tenant) });
  },
}));
