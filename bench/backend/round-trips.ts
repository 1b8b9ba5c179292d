// Round trips per second of one prepared statement (`select $1::int`, Bind/Execute/Sync) through a
// raw ShardConnection, against the usual client on the same server in the same run: node-postgres'
// `client.query({ name, text, values })` on PostgreSQL, `backend.query` on PGlite. One statement in
// flight per connection, on 1 and on 8 connections. The raw messages are built once (a front end
// forwards the client's bytes as they came), so the figure is what forwarding costs.

import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { PgliteBackend } from '../../src/backend/pglite-backend.js';
import type { PostgresBackend } from '../../src/backend/postgres-backend.js';
import type { ShardConnection } from '../../src/backend/shard-connection.js';

const statement = 'bench_select_int';
const text = 'select $1::int';
/** Distinct Bind messages cycled through, so the values vary as a client's would. */
const bindings = Array.from({ length: 256 }, (_, i) =>
  Buffer.concat([
    serialize.bind({ statement, values: [String(i)] }),
    serialize.execute({}),
    serialize.sync(),
  ]),
);

/** Rates in round trips per second. */
export interface RoundTripFigures {
  readonly connections: number;
  readonly raw: number;
  readonly baseline: number;
  /** raw / baseline */
  readonly ratio: number;
}

async function readyOf(connection: ShardConnection): Promise<void> {
  for (;;) {
    const frames = await connection.receive();
    if (frames.at(-1)?.type === 0x5a) return;
  }
}

async function prepareRaw(connection: ShardConnection): Promise<void> {
  if (connection.preparedStatements.has(statement)) return;
  connection.send(Buffer.concat([serialize.parse({ name: statement, text }), serialize.sync()]));
  await readyOf(connection);
  connection.preparedStatements.add(statement);
}

async function rawLoop(connection: ShardConnection, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    connection.send(bindings[i & 255]!);
    await readyOf(connection);
  }
}

type Loop = (worker: number, count: number) => Promise<void>;

/** Rounds of `count` round trips on each of `workers`, for at least `ms`; returns the best rate. */
async function rate(workers: number, count: number, loop: Loop, ms: number): Promise<number> {
  let best = 0;
  const until = performance.now() + ms;
  do {
    const started = performance.now();
    await Promise.all(Array.from({ length: workers }, (_, w) => loop(w, count)));
    best = Math.max(best, (workers * count) / ((performance.now() - started) / 1000));
  } while (performance.now() < until);
  return Math.round(best);
}

/**
 * Both loops warmed up first (PGlite's WebAssembly gets much faster once the engine has optimised
 * it), then measured in turns, best round of each.
 */
async function compare(workers: number, count: number, raw: Loop, baseline: Loop): Promise<RoundTripFigures> {
  await rate(workers, count, raw, 1500);
  await rate(workers, count, baseline, 1500);
  let rawBest = 0;
  let baselineBest = 0;
  for (let turn = 0; turn < 3; turn++) {
    rawBest = Math.max(rawBest, await rate(workers, count, raw, 0));
    baselineBest = Math.max(baselineBest, await rate(workers, count, baseline, 0));
  }
  return {
    connections: workers,
    raw: rawBest,
    baseline: baselineBest,
    ratio: Math.round((rawBest / baselineBest) * 100) / 100,
  };
}

/** Raw connections of `backend` vs node-postgres clients of `url`, on 1 and 8 connections. */
export async function postgresRoundTrips(backend: PostgresBackend, url: string): Promise<RoundTripFigures[]> {
  const results: RoundTripFigures[] = [];
  for (const workers of [1, 8]) {
    const connections = await Promise.all(Array.from({ length: workers }, () => backend.connect()));
    const clients = Array.from({ length: workers }, () => new pg.Client(url));
    try {
      await Promise.all(connections.map(prepareRaw));
      await Promise.all(clients.map((client) => client.connect()));
      results.push(
        await compare(
          workers,
          5000,
          (w, count) => rawLoop(connections[w]!, count),
          async (w, count) => {
            const client = clients[w]!;
            for (let i = 0; i < count; i++) await client.query({ name: statement, text, values: [i & 255] });
          },
        ),
      );
    } finally {
      for (const connection of connections) connection.release({ clean: false });
      await Promise.all(clients.map((client) => client.end()));
    }
  }
  return results;
}

/** Raw connections of an embedded shard vs its `query` (both take the shard's one lock). */
export async function pgliteRoundTrips(backend: PgliteBackend): Promise<RoundTripFigures[]> {
  const results: RoundTripFigures[] = [];
  for (const workers of [1, 8]) {
    const connections = await Promise.all(Array.from({ length: workers }, () => backend.connect()));
    try {
      await Promise.all(connections.map(prepareRaw));
      results.push(
        await compare(
          workers,
          2000,
          (w, count) => rawLoop(connections[w]!, count),
          async (_w, count) => {
            for (let i = 0; i < count; i++) await backend.query(text, [i & 255]);
          },
        ),
      );
    } finally {
      for (const connection of connections) connection.release();
    }
  }
  return results;
}
