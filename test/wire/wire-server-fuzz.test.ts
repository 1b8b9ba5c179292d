// Protocol fuzzing over loopback: hundreds of connections send random bytes, mutated and truncated
// valid streams, wrong and huge length words, and every prefix of a valid session before dropping
// the connection. Afterwards the server must still serve a new client, a client that stayed connected
// throughout must not have noticed, no connection may leak, and nothing may have been logged as an
// internal error (bad input is a protocol violation, never a server fault).
import { connect } from 'node:net';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireServer } from '../../src/wire/server/wire-server.js';
import { fixedSessions } from './support/fixed-session.js';

const SEED = 0x5eed_0001;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const bytes = (length: number) => Uint8Array.from({ length }, () => int(0, 255));
  return { next, int, bytes };
}

const startup = Uint8Array.from(serialize.startup({ user: 'fuzz', database: 'db' }));
const session = Uint8Array.from(
  Buffer.concat([
    serialize.query('select 1'),
    serialize.parse({ name: 's', text: 'select $1', types: [25] }),
    serialize.bind({ statement: 's', values: ['x', null, Buffer.from([1, 2, 3])] }),
    serialize.describe({ type: 'P' }),
    serialize.execute({ rows: 5 }),
    serialize.close({ type: 'S', name: 's' }),
    serialize.sync(),
    serialize.copyData(Buffer.from('a\tb\n')),
    serialize.copyDone(),
    serialize.copyFail('stop'),
    serialize.flush(),
  ]),
);
const valid = Uint8Array.from([...startup, ...session]);

/** Opens a connection, sends `bytes` (in pieces), then waits briefly for the server and drops it. */
function attack(port: number, bytes: Uint8Array, random: ReturnType<typeof generator>): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('data', () => {});
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve();
    };
    socket.on('close', finish);
    socket.on('connect', () => {
      let offset = 0;
      while (offset < bytes.length) {
        const size = random.int(1, Math.max(1, bytes.length - offset));
        socket.write(bytes.subarray(offset, offset + size));
        offset += size;
      }
      setTimeout(finish, random.int(0, 40));
    });
  });
}

/** Runs `tasks` with at most `limit` at a time. */
async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

function withLengthWord(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = Buffer.from(bytes);
  out.writeInt32BE(value | 0, at);
  return Uint8Array.from(out);
}

describe(`WireServer under protocol fuzzing (seed ${SEED})`, () => {
  const logged: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const { factory } = fixedSessions();
  const server = new WireServer({
    port: 0,
    auth: { method: 'trust' },
    sessionFactory: factory,
    maxMessageBytes: 64 * 1024,
    startupTimeoutMs: 1500,
    logger,
  });
  let port = 0;
  let bystander: pg.Client;

  beforeAll(async () => {
    ({ port } = await server.listen());
    bystander = new pg.Client({ host: '127.0.0.1', port, user: 'bystander', database: 'db' });
    await bystander.connect();
  });

  afterAll(async () => {
    await bystander.end().catch(() => {});
    await server.close();
  });

  it('survives hostile connections and keeps serving everyone else', async () => {
    const random = generator(SEED);
    const tasks: (() => Promise<void>)[] = [];
    const add = (bytes: Uint8Array) => tasks.push(() => attack(port, bytes, random));

    // Every prefix of a valid session, then the connection dropped.
    for (let cut = 0; cut <= valid.length; cut++) add(valid.subarray(0, cut));
    for (let i = 0; i < 150; i++) {
      // Random bytes from the first byte on, and after a valid startup.
      add(random.bytes(random.int(1, 300)));
      add(Uint8Array.from([...startup, ...random.bytes(random.int(1, 300))]));
      // Bit flips in a valid stream (startup included, or only in the messages after it).
      const flipStartup = random.next() < 0.3;
      const flipped = Uint8Array.from(flipStartup ? valid : session);
      for (let f = random.int(1, 4); f > 0; f--)
        flipped[random.int(0, flipped.length - 1)]! ^= 1 << random.int(0, 7);
      add(flipStartup ? flipped : Uint8Array.from([...startup, ...flipped]));
      // A wrong length word on a message boundary, huge, negative or merely off by a little.
      const at = startup.length + 1;
      const wrong = [0x7fffffff, -1, 0, 3, random.int(4, 80), random.int(-5, 5) + 13, 0x40000000][
        random.int(0, 6)
      ]!;
      add(withLengthWord(valid, at, wrong));
      add(withLengthWord(valid, 0, [0x7fffffff, 7, 10_001, random.int(8, 200)][random.int(0, 3)]!));
    }
    const started = Date.now();
    const probes: Promise<unknown>[] = [];
    const probe = setInterval(() => probes.push(bystander.query('select during fuzz')), 25);
    try {
      await inParallel(tasks, 32);
    } finally {
      clearInterval(probe);
    }
    const results = (await Promise.all(probes)) as pg.QueryResult[];
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(result.rows).toEqual([{ answer: '42', user: 'bystander' }]);

    // A newcomer is served as usual.
    const newcomer = new pg.Client({ host: '127.0.0.1', port, user: 'newcomer', database: 'db' });
    await newcomer.connect();
    expect((await newcomer.query('select after fuzz', [])).rows).toEqual([
      { answer: '42', user: 'newcomer' },
    ]);
    expect((await newcomer.query('select $1::text', ['p'])).rows).toEqual([{ p1: 'p' }]);
    await newcomer.end();

    // The bystander is untouched, and no fuzz connection outlives the startup timeout.
    expect((await bystander.query('select after fuzz')).rows).toHaveLength(1);
    await expect.poll(() => server.connectionCount, { timeout: 5000 }).toBe(1);
    const errors = logged.filter((entry) => entry.level >= 50);
    expect(errors).toEqual([]);
    expect(logged.some((entry) => entry.msg === 'protocol violation')).toBe(true);
    console.info(`[fuzz] ${tasks.length} hostile connections in ${Date.now() - started} ms`);
  });
});
