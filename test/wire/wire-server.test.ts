// The wire server driven by real clients: node-postgres for the simple and extended protocols, SCRAM,
// TLS, cancel and shutdown; a raw socket where the exact bytes matter.
import { connect, createServer } from 'node:net';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/util/errors.js';
import { decodeNoticeFields } from '../../src/wire/codec/decode-backend-message.js';
import { makeScramVerifier } from '../../src/wire/codec/scram-verifier.js';
import { WireServer } from '../../src/wire/server/wire-server.js';
import type { WireServerOptions } from '../../src/wire/server/wire-server-options.js';
import { isLoopbackAddress } from '../../src/wire/server/wire-server-options.js';
import { fixedSessions } from './support/fixed-session.js';
import { RawClient } from './support/raw-client.js';
import { certificateOrSkipReason } from './support/self-signed-certificate.js';

const servers: WireServer[] = [];
const clients: pg.Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(options: Partial<WireServerOptions> = {}) {
  const sessions = fixedSessions();
  const server = new WireServer({
    port: 0,
    auth: { method: 'trust' },
    sessionFactory: sessions.factory,
    ...options,
  });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port, log: sessions.log };
}

function client(port: number, config: pg.ClientConfig = {}): pg.Client {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'alice', database: 'shop', ...config });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

/** The first ErrorResponse a raw client received, as fields. */
function firstError(raw: RawClient) {
  const frame = raw.received.find((f) => f.type === 0x45);
  return frame ? decodeNoticeFields(frame) : undefined;
}

const startup = (parameters: Record<string, string> = { user: 'alice', database: 'shop' }) =>
  Uint8Array.from(serialize.startup(parameters));

describe('WireServer with node-postgres', () => {
  it('runs a simple query and reports the startup to the session', async () => {
    const { port, log } = await startServer();
    const c = client(port, { application_name: 'billing' });
    const statuses: Record<string, string> = {};
    c.connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
      statuses[m.parameterName] = m.parameterValue;
    });
    await c.connect();
    const result = await c.query('select answer');
    expect(result.rows).toEqual([{ answer: '42', user: 'alice' }]);
    const session = log.sessions[0]!;
    expect(session.connection.startup).toMatchObject({
      user: 'alice',
      database: 'shop',
      applicationName: 'billing',
      remoteAddress: '127.0.0.1',
    });
    expect(session.connection.startup.parameters.client_encoding).toBe('UTF8');
    expect(statuses).toMatchObject({
      server_version: '16.4',
      server_encoding: 'UTF8',
      client_encoding: 'UTF8',
      DateStyle: 'ISO, MDY',
      TimeZone: 'UTC',
      integer_datetimes: 'on',
      standard_conforming_strings: 'on',
      IntervalStyle: 'postgres',
      is_superuser: 'off',
      session_authorization: 'alice',
      application_name: 'billing',
    });
    expect(session.messages.map((m) => m.type)).toEqual(['Query']);
  });

  it('runs the extended protocol with parameters (Parse, Bind, Describe, Execute, Sync)', async () => {
    const { port, log } = await startServer();
    const c = client(port);
    await c.connect();
    const result = await c.query('select $1::text, $2::text, $3::text', ['hi', null, 'ünï']);
    expect(result.rows).toEqual([{ p1: 'hi', p2: null, p3: 'ünï' }]);
    const types = log.sessions[0]!.messages.map((m) => m.type);
    expect(types).toEqual(['Parse', 'Bind', 'Describe', 'Execute', 'Sync']);
  });

  it('takes server parameters from the options', async () => {
    const { port } = await startServer({
      serverParameters: { server_version: '17.2', TimeZone: 'Europe/Paris' },
    });
    const c = client(port);
    const statuses: Record<string, string> = {};
    c.connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
      statuses[m.parameterName] = m.parameterValue;
    });
    await c.connect();
    expect(statuses).toMatchObject({
      server_version: '17.2',
      TimeZone: 'Europe/Paris',
      DateStyle: 'ISO, MDY',
    });
  });

  it('gives each connection its own process id and passes a CancelRequest to that session only', async () => {
    const { port, log, server } = await startServer();
    const a = client(port);
    const b = client(port);
    await a.connect();
    await b.connect();
    const pa = (a as unknown as { processID: number; secretKey: number }).processID;
    expect(pa).not.toBe((b as unknown as { processID: number }).processID);
    const waiting = a.query('wait for cancel').catch((error: unknown) => error);
    await expect.poll(() => log.sessions[0]?.messages.length).toBe(1);
    // A wrong secret is ignored.
    await sendCancel(port, pa, (a as unknown as { secretKey: number }).secretKey ^ 1);
    expect(log.sessions[0]!.cancels).toBe(0);
    await sendCancel(port, pa, (a as unknown as { secretKey: number }).secretKey);
    expect(await waiting).toMatchObject({ code: '57014' });
    expect(log.sessions.map((s) => s.cancels)).toEqual([1, 0]);
    expect((await a.query('select again')).rows).toHaveLength(1);
    expect(server.connectionCount).toBe(2);
  });

  it('calls onClose once on Terminate, without passing Terminate to onMessages', async () => {
    const { port, log, server } = await startServer();
    const c = client(port);
    await c.connect();
    await c.query('select 1');
    await c.end();
    await expect.poll(() => log.sessions[0]!.closes).toBe(1);
    expect(log.sessions[0]!.messages.map((m) => m.type)).toEqual(['Query']);
    await expect.poll(() => server.connectionCount).toBe(0);
    expect(log.sessions[0]!.closes).toBe(1);
  });

  it('calls onClose when the client just disconnects', async () => {
    const { port, log } = await startServer();
    const c = client(port);
    await c.connect();
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await expect.poll(() => log.sessions[0]!.closes).toBe(1);
  });

  it('sends FATAL 57P01 to every client on close()', async () => {
    const { port, server } = await startServer();
    const c = client(port);
    const errors: unknown[] = [];
    c.removeAllListeners('error');
    c.on('error', (error) => errors.push(error));
    await c.connect();
    await server.close();
    // node-postgres reports the FATAL error, then the connection's end.
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({
      code: '57P01',
      severity: 'FATAL',
      message: 'terminating connection: the server is shutting down',
    });
    expect(server.connectionCount).toBe(0);
  });

  it('refuses the session when the factory rejects it (unknown database)', async () => {
    const { port } = await startServer({
      sessionFactory: () => {
        throw Object.assign(new Error('database "nope" does not exist'), { code: '3D000' });
      },
    });
    await expect(client(port, { database: 'nope' }).connect()).rejects.toMatchObject({
      code: '3D000',
      severity: 'FATAL',
      message: 'database "nope" does not exist',
    });
  });

  it('ends the connection with XX000 when the session fails, without disturbing others', async () => {
    const { port } = await startServer();
    const broken = client(port);
    const healthy = client(port);
    await broken.connect();
    await healthy.connect();
    await expect(broken.query('fail the session')).rejects.toMatchObject({ code: 'XX000' });
    expect((await healthy.query('select 1')).rows).toHaveLength(1);
  });

  it('streams a large result with backpressure (drained)', async () => {
    const { port } = await startServer();
    const c = client(port);
    await c.connect();
    const result = await c.query('rows 5000');
    expect(result.rows).toHaveLength(5000);
    expect(result.rows[4999]).toEqual({ n: '4999'.padStart(1000, '.') });
  });
});

describe('WireServer on a server or socket it is given', () => {
  it('serves the connections of an existing net.Server', async () => {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { factory } = fixedSessions();
    const server = new WireServer({ server: tcp, auth: { method: 'trust' }, sessionFactory: factory });
    servers.push(server);
    const { port } = await server.listen();
    expect(port).toBe((tcp.address() as { port: number }).port);
    const c = client(port);
    await c.connect();
    expect((await c.query('select 1')).rows).toHaveLength(1);
  });

  it('serves a socket accepted elsewhere (handleSocket)', async () => {
    const { factory } = fixedSessions();
    const server = new WireServer({ auth: { method: 'trust' }, sessionFactory: factory });
    servers.push(server);
    const tcp = createServer((socket) => server.handleSocket(socket));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    try {
      const c = client((tcp.address() as { port: number }).port);
      await c.connect();
      expect((await c.query('select 1')).rows).toHaveLength(1);
      expect(server.connectionCount).toBe(1);
    } finally {
      tcp.close();
    }
  });

  it('refuses to serve trust authentication on a given server bound to every interface', async () => {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '0.0.0.0', resolve));
    const server = new WireServer({
      server: tcp,
      auth: { method: 'trust' },
      sessionFactory: fixedSessions().factory,
    });
    await expect(server.listen()).rejects.toThrow(/refusing trust authentication on 0\.0\.0\.0/);
    expect(tcp.listening).toBe(false);
  });

  it('knows which addresses are loopback', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', 'localhost'])
      expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', '127.0.0.1.evil']) {
      expect(isLoopbackAddress(a)).toBe(false);
    }
  });
});

describe('WireServer authentication', () => {
  const users = { alice: 'correct horse', bob: makeScramVerifier('battery staple') };

  it('accepts SCRAM-SHA-256 with a plain password and with a stored verifier', async () => {
    const { port } = await startServer({ auth: { method: 'scram-sha-256', users } });
    const a = client(port, { password: 'correct horse' });
    await a.connect();
    expect((await a.query('select 1')).rows[0]).toMatchObject({ user: 'alice' });
    const b = client(port, { user: 'bob', password: 'battery staple' });
    await b.connect();
    expect((await b.query('select 1')).rows[0]).toMatchObject({ user: 'bob' });
  });

  it('refuses a wrong password and an unknown user with the same 28P01 error', async () => {
    const { port, log } = await startServer({ auth: { method: 'scram-sha-256', users } });
    await expect(client(port, { password: 'wrong' }).connect()).rejects.toMatchObject({
      code: '28P01',
      severity: 'FATAL',
      message: 'password authentication failed for user "alice"',
    });
    await expect(client(port, { user: 'mallory', password: 'x' }).connect()).rejects.toMatchObject({
      code: '28P01',
      message: 'password authentication failed for user "mallory"',
    });
    expect(log.sessions).toHaveLength(0);
  });

  it('refuses an authentication message over 64 KiB before reading all of it', async () => {
    const { port } = await startServer({ auth: { method: 'scram-sha-256', users } });
    const raw = await RawClient.connect(port);
    raw.send(startup());
    await raw.until((r) => r.types === 'R');
    raw.send(Uint8Array.from([0x70, 0x00, 0x10, 0x00, 0x00, ...new Uint8Array(70_000)]));
    await raw.untilClosed();
    expect(firstError(raw)).toMatchObject({
      code: '08P01',
      message: 'authentication message over the limit of 65540 bytes',
    });
  });

  it('refuses trust authentication on a network address unless allowed', async () => {
    const factory = fixedSessions().factory;
    expect(
      () => new WireServer({ host: '0.0.0.0', auth: { method: 'trust' }, sessionFactory: factory }),
    ).toThrow(ConfigError);
    expect(
      () => new WireServer({ host: '0.0.0.0', auth: { method: 'trust' }, sessionFactory: factory }),
    ).toThrow(/refusing trust authentication on 0\.0\.0\.0/);
    expect(
      () =>
        new WireServer({
          host: '0.0.0.0',
          auth: { method: 'trust' },
          allowTrustOnNetwork: true,
          sessionFactory: factory,
        }),
    ).not.toThrow();
    expect(
      () =>
        new WireServer({
          host: '0.0.0.0',
          auth: { method: 'trust', allowOnNetwork: true },
          sessionFactory: factory,
        }),
    ).not.toThrow();
    expect(
      () =>
        new WireServer({
          host: '0.0.0.0',
          auth: { method: 'scram-sha-256', users },
          sessionFactory: factory,
        }),
    ).not.toThrow();
  });
});

describe('WireServer startup phase (raw bytes)', () => {
  it("answers SSLRequest with 'N' without TLS, then serves the StartupMessage in clear", async () => {
    const { port } = await startServer();
    const raw = await RawClient.connect(port);
    raw.expectSingleBytes(1);
    raw.send(Uint8Array.from(serialize.requestSsl()));
    await raw.until((r) => r.prefix.length === 1);
    expect(raw.prefix).toEqual([0x4e]);
    raw.send(startup());
    await raw.until((r) => r.types.endsWith('Z'));
    expect(raw.types).toMatch(/^RS+KZ$/);
  });

  it('makes node-postgres fail cleanly when it requires SSL and the server has none', async () => {
    const { port } = await startServer();
    await expect(client(port, { ssl: true }).connect()).rejects.toThrow(/does not support SSL/);
  });

  it("answers GSSENCRequest with 'N'", async () => {
    const { port } = await startServer();
    const raw = await RawClient.connect(port);
    raw.expectSingleBytes(1);
    raw.send(Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]));
    await raw.until((r) => r.prefix.length === 1);
    expect(raw.prefix).toEqual([0x4e]);
  });

  it('refuses an unsupported major protocol version with 08P01', async () => {
    const { port } = await startServer();
    const raw = await RawClient.connect(port);
    raw.send(Uint8Array.from([0, 0, 0, 9, 0, 2, 0, 0, 0]));
    await raw.untilClosed();
    expect(firstError(raw)).toMatchObject({
      severity: 'FATAL',
      code: '08P01',
      message: 'unsupported frontend protocol 2.0: server supports 3.0 to 3.0',
    });
  });

  it('negotiates a newer minor version and unknown _pq_ options down to 3.0', async () => {
    const { port, log } = await startServer();
    const raw = await RawClient.connect(port);
    const body = Buffer.concat([Buffer.from([0, 3, 0, 2]), Buffer.from('user\0alice\0_pq_.fancy\0on\0\0')]);
    const length = Buffer.alloc(4);
    length.writeInt32BE(body.length + 4);
    raw.send(Uint8Array.from(Buffer.concat([length, body])));
    await raw.until((r) => r.types.endsWith('Z'));
    expect(raw.types[0]).toBe('v');
    const v = raw.received[0]!;
    expect(Buffer.from(v.body).toString('hex')).toBe(
      `0003000000000001${Buffer.from('_pq_.fancy\0').toString('hex')}`,
    );
    expect(log.sessions[0]!.connection.startup.parameters).toEqual({ user: 'alice' });
  });

  it('refuses a startup packet over 10 000 bytes', async () => {
    const { port } = await startServer();
    const raw = await RawClient.connect(port);
    raw.send(startup({ user: 'alice', options: 'x'.repeat(10_000) }));
    await raw.untilClosed();
    expect(firstError(raw)).toMatchObject({
      code: '08P01',
      message: expect.stringMatching(/invalid length of startup packet/),
    });
  });

  it('refuses a StartupMessage without a user', async () => {
    const { port } = await startServer();
    const raw = await RawClient.connect(port);
    raw.send(startup({ database: 'shop' }));
    await raw.untilClosed();
    expect(firstError(raw)).toMatchObject({ code: '28000' });
  });

  it('closes a CancelRequest connection silently', async () => {
    const { port } = await startServer();
    const raw = await RawClient.connect(port);
    raw.send(Uint8Array.from(serialize.cancel(1, 2)));
    await raw.untilClosed();
    expect(raw.received).toEqual([]);
  });

  it('holds a session in drained() while the client does not read', async () => {
    const { port, log } = await startServer();
    const raw = await RawClient.connect(port);
    raw.send(startup());
    await raw.until((r) => r.types.endsWith('Z'));
    raw.socket.pause();
    raw.send(Uint8Array.from(serialize.query('rows 50000'))); // about 50 MB
    await expect.poll(() => log.sessions[0]!.rowsWritten).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stalled = log.sessions[0]!.rowsWritten;
    expect(stalled).toBeLessThan(50000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(log.sessions[0]!.rowsWritten).toBe(stalled);
    raw.socket.resume();
    await raw.until((r) => r.types.endsWith('CZ'), 20_000);
    expect(raw.received.filter((f) => f.type === 0x44)).toHaveLength(50000);
  });

  it('refuses an oversized message with 08P01 and closes the connection', async () => {
    const { port } = await startServer({ maxMessageBytes: 1024 });
    const raw = await RawClient.connect(port);
    raw.send(startup());
    await raw.until((r) => r.types.endsWith('Z'));
    raw.send(Uint8Array.from(serialize.query('x'.repeat(2000))));
    await raw.untilClosed();
    expect(firstError(raw)).toMatchObject({
      severity: 'FATAL',
      code: '08P01',
      message: 'message of 2005 bytes is over the limit of 1024 bytes',
    });
  });

  it('delivers the messages before a malformed one, then ends the connection with 08P01', async () => {
    const { port, log } = await startServer();
    const raw = await RawClient.connect(port);
    raw.send(startup());
    await raw.until((r) => r.types.endsWith('Z'));
    raw.send(Uint8Array.from([...serialize.query('select 1'), 0x51, 0, 0, 0, 6, 0x61, 0x62]));
    await raw.untilClosed();
    expect(log.sessions[0]!.messages.map((m) => m.type)).toEqual(['Query']);
    expect(firstError(raw)).toMatchObject({
      code: '08P01',
      message: expect.stringMatching(/Query message: a string is missing/),
    });
    expect(log.sessions[0]!.closes).toBe(1);
  });

  it('times out a client that never completes startup', async () => {
    const { port } = await startServer({ startupTimeoutMs: 100 });
    const raw = await RawClient.connect(port);
    raw.send(Uint8Array.from([0, 0, 0, 50]));
    await raw.untilClosed();
    expect(firstError(raw)).toMatchObject({ code: '57014' });
  });
});

const certificate = certificateOrSkipReason();
if (typeof certificate === 'string')
  console.warn(`[switchyard] skipping the TLS tests of WireServer: ${certificate}`);

describe.skipIf(typeof certificate === 'string')('WireServer with TLS (self-signed certificate)', () => {
  const tls = typeof certificate === 'string' ? { cert: '', key: '' } : certificate;

  it("answers SSLRequest with 'S' and serves node-postgres over TLS", async () => {
    const { port } = await startServer({ tls });
    const c = client(port, { ssl: { ca: tls.cert, checkServerIdentity: () => undefined } });
    await c.connect();
    expect((await c.query('select 1')).rows).toHaveLength(1);
    expect(
      (c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted,
    ).toBe(true);
  });

  it("authenticates with SCRAM over TLS (node-postgres sends the 'y' channel-binding flag)", async () => {
    const { port } = await startServer({ tls, auth: { method: 'scram-sha-256', users: { alice: 'pw' } } });
    const c = client(port, { password: 'pw', ssl: { rejectUnauthorized: false } });
    await c.connect();
    expect((await c.query('select 1')).rows[0]).toMatchObject({ user: 'alice' });
    await expect(
      client(port, { password: 'bad', ssl: { rejectUnauthorized: false } }).connect(),
    ).rejects.toMatchObject({ code: '28P01' });
  });

  it('still serves clients that do not ask for TLS', async () => {
    const { port } = await startServer({ tls });
    const c = client(port);
    await c.connect();
    expect((await c.query('select 1')).rows).toHaveLength(1);
  });

  it('refuses unencrypted bytes pipelined after an SSLRequest it accepts (CVE-2021-23214)', async () => {
    const { port } = await startServer({ tls });
    const raw = await RawClient.connect(port);
    raw.send(Uint8Array.from([...serialize.requestSsl(), ...startup()]));
    await raw.untilClosed();
    expect(raw.prefix).toEqual([]);
    expect(firstError(raw)).toMatchObject({
      code: '08P01',
      message: 'received unencrypted data after SSL request',
    });
  });

  it('closes a connection that sends garbage instead of a TLS handshake, and keeps serving', async () => {
    const { port, server } = await startServer({ tls });
    const raw = await RawClient.connect(port);
    raw.expectSingleBytes(1);
    raw.send(Uint8Array.from(serialize.requestSsl()));
    await raw.until((r) => r.prefix.length === 1);
    expect(raw.prefix).toEqual([0x53]);
    raw.send(Uint8Array.from(serialize.query('not a TLS record')));
    await raw.untilClosed();
    await expect.poll(() => server.connectionCount).toBe(0);
    const c = client(port, { ssl: { rejectUnauthorized: false } });
    await c.connect();
    expect((await c.query('select 1')).rows).toHaveLength(1);
  });

  it('refuses a certificate that is not PEM with a ConfigError', () => {
    expect(
      () =>
        new WireServer({
          auth: { method: 'trust' },
          tls: { cert: 'nope', key: 'nope' },
          sessionFactory: fixedSessions().factory,
        }),
    ).toThrow(ConfigError);
  });
});

function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(serialize.cancel(processId, secretKey)));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}
