// The client suite over 4 shards that are databases of a real PostgreSQL server.
import { connect } from 'node:net';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { clientSuite } from './clients.suite.js';
import { type Switchyard, startSwitchyard } from './switchyard-harness.js';

describeWithPostgres('clients through Switchyard, PostgreSQL shards', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  clientSuite(() => ({ kind: 'postgres', server, shards: 4 }));
});

describeWithPostgres('cancelling through Switchyard', () => {
  let server: PgServer;
  let sy: Switchyard;
  beforeAll(async () => {
    server = await startPostgres();
    sy = await startSwitchyard({ kind: 'postgres', server, shards: 2 }, { sample: true });
  });
  afterAll(async () => {
    await sy?.stop();
    server?.stop();
  });

  it('a CancelRequest cancels the statement running on the shard (57014), and the session goes on', async () => {
    const client = await sy.client();
    const started = Date.now();
    const sleeping = client.query('SELECT pg_sleep(30) FROM tenants WHERE id = 1');
    await new Promise((r) => setTimeout(r, 300));
    const key = client as unknown as { processID: number; secretKey: number };
    const socket = connect(sy.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.end(serialize.cancel(key.processID, key.secretKey));
    await expect(sleeping).rejects.toMatchObject({ code: '57014' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await client.query('SELECT name FROM tenants WHERE id = 1')).rows).toEqual([
      { name: 'tenant-1' },
    ]);
  });
});
