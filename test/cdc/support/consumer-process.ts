// A Switchyard process with a change consumer inside, for the SIGKILL test: it starts the cluster of
// `config` and its front end, then follows consumer `views` on every shard, appending each batch of
// events to `out` (one JSON line per event: shard, position, op, table, old and new rows as the
// server's text) and fsyncing before the batch is acknowledged. Its checkpoint is that file: on start
// it resumes each shard from the last position written there. Prints `READY <port>` once serving.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { ChangeEvent, ChangeRow } from '../../../src/cdc/change-event.js';
import { consumeChanges } from '../../../src/cdc/consume-changes.js';
import { Cluster } from '../../../src/cluster/cluster.js';
import { loadConfigFile } from '../../../src/cluster/config.js';
import { startFrontEnd } from '../../../src/cluster/front-end.js';
import { isSupportedType, pgType } from '../../../src/sql/values/pg-type.js';

const [configPath, out] = process.argv.slice(2) as [string, string];
const last = new Map<string, string>();
if (existsSync(out)) {
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const event = JSON.parse(line) as { shard: string; position: string };
      last.set(event.shard, event.position);
    } catch {
      // A line torn by the kill: its batch was not acknowledged, so it comes again.
    }
  }
}

function text(event: ChangeEvent, row: ChangeRow | null): Record<string, string | null> | null {
  if (!row) return null;
  const out: Record<string, string | null> = {};
  for (const column of event.columns) {
    const value = row[column.name];
    out[column.name] =
      value === null || value === undefined
        ? null
        : isSupportedType(column.typeOid)
          ? pgType(column.typeOid).format(value)
          : String(value);
  }
  return out;
}

const cluster = await Cluster.start(loadConfigFile(configPath));
const frontEnd = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0 });
const file = openSync(out, 'a');
const stop = new AbortController();
for (const source of cluster.changes.sources('views')) {
  void consumeChanges({
    source,
    from: (last.get(source.shard) as never) ?? null,
    signal: stop.signal,
    handle: async (events) => {
      const lines = events
        .map((e) =>
          JSON.stringify({
            shard: e.shard,
            position: e.position,
            op: e.op,
            table: e.table,
            old: text(e, e.old),
            new: text(e, e.new),
          }),
        )
        .join('\n');
      writeSync(file, `${lines}\n`);
      fsyncSync(file);
    },
  });
}
console.log(`READY ${frontEnd.port}`);
process.on('SIGTERM', async () => {
  stop.abort();
  await frontEnd.close();
  await cluster.stop();
  closeSync(file);
  process.exit(0);
});
