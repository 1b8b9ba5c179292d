import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.js';
import { ScramServerExchange } from './scram-server-exchange.js';
import {
  formatScramVerifier,
  makeScramVerifier,
  parseScramVerifier,
  saslPrep,
  scramVerifierFromPassword,
} from './scram-verifier.js';

// node-postgres's own SCRAM client: the exchange must satisfy a real client, not just itself.
interface PgSaslSession {
  response: string;
}
const pgSasl = createRequire(import.meta.url)('pg/lib/crypto/sasl.js') as {
  startSession(mechanisms: string[], stream?: unknown): PgSaslSession;
  continueSession(
    session: PgSaslSession,
    password: string,
    serverData: string,
    stream?: unknown,
  ): Promise<void>;
  finalizeSession(session: PgSaslSession, serverData: string): void;
};

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** Runs a whole exchange with node-postgres's client; returns the server's outcome. */
async function exchangeWithPg(
  stored: string,
  password: string,
  options: { mock?: boolean; tls?: object } = {},
) {
  const verifier = parseScramVerifier(stored) ?? scramVerifierFromPassword(stored, { iterations: 4096 });
  const server = new ScramServerExchange(verifier, { mock: options.mock ?? false });
  const session = pgSasl.startSession(['SCRAM-SHA-256'], options.tls);
  const serverFirst = server.start(bytes(session.response));
  await pgSasl.continueSession(session, password, serverFirst, options.tls);
  const outcome = server.finish(bytes(session.response));
  if (outcome.ok) pgSasl.finalizeSession(session, outcome.serverFinal); // throws if the signature is wrong
  return outcome;
}

describe('ScramServerExchange', () => {
  // RFC 7677 section 3: user "user", password "pencil".
  it('reproduces the RFC 7677 test vector', () => {
    const verifier = scramVerifierFromPassword('pencil', {
      iterations: 4096,
      salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
    });
    const server = new ScramServerExchange(verifier, { serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' });
    expect(server.start(bytes('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'))).toBe(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    const outcome = server.finish(
      bytes(
        'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      ),
    );
    expect(outcome).toEqual({ ok: true, serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=' });
  });

  it('authenticates node-postgres with a plain password and with a stored verifier', async () => {
    expect((await exchangeWithPg('s3cret', 's3cret')).ok).toBe(true);
    expect((await exchangeWithPg(makeScramVerifier('s3cret'), 's3cret')).ok).toBe(true);
    expect((await exchangeWithPg(makeScramVerifier('pässwörd ｘ'), 'pässwörd ｘ')).ok).toBe(true);
  });

  it("accepts the 'y,,' header node-postgres sends over TLS when PLUS is not offered", async () => {
    expect((await exchangeWithPg('s3cret', 's3cret', { tls: {} })).ok).toBe(true);
  });

  it('refuses a wrong password, and a mock exchange even with the right one', async () => {
    expect((await exchangeWithPg('s3cret', 'wrong')).ok).toBe(false);
    expect((await exchangeWithPg('s3cret', 's3cret', { mock: true })).ok).toBe(false);
  });

  const verifier = scramVerifierFromPassword('pw', { iterations: 1 });
  const malformedFirst: [string, string, RegExp][] = [
    ['channel binding', 'p=tls-server-end-point,,n=*,r=abc', /channel binding/],
    ['an authzid', 'n,a=bob,n=*,r=abc', /authorization identities/],
    ['a bad flag', 'x,,n=*,r=abc', /GS2 channel-binding flag/],
    ['a mandatory extension', 'n,,m=ext,n=*,r=abc', /mandatory extension/],
    ['a missing nonce', 'n,,n=*', /printable client nonce/],
    ['a nonce with a comma-free but unprintable byte', 'n,,n=*,r=a\u0001b', /printable client nonce/],
    ['no user attribute', 'n,,r=abc', /user name attribute/],
  ];
  for (const [name, message, pattern] of malformedFirst) {
    it(`refuses a client-first-message with ${name}`, () => {
      const server = new ScramServerExchange(verifier);
      expect(() => server.start(bytes(message))).toThrow(ProtocolError);
      expect(() => new ScramServerExchange(verifier).start(bytes(message))).toThrow(pattern);
    });
  }

  it('refuses client-final-messages that do not match the exchange', () => {
    const finals: [string, RegExp][] = [
      ['c=biws,r=abcSRV', /missing the proof/],
      [`c=eSws,r=abcSRV,p=${Buffer.alloc(32).toString('base64')}`, /does not match the GS2 header/],
      [`c=biws,r=abcXXX,p=${Buffer.alloc(32).toString('base64')}`, /nonce does not match/],
      [`c=biws,r=abcSRV,p=${Buffer.alloc(31).toString('base64')}`, /wrong length/],
      ['c=biws,r=abcSRV,p=***', /not base64/],
      [`r=abcSRV,p=${Buffer.alloc(32).toString('base64')}`, /channel-binding attribute/],
    ];
    for (const [message, pattern] of finals) {
      const server = new ScramServerExchange(verifier, { serverNonce: 'SRV' });
      server.start(bytes('n,,n=*,r=abc'));
      expect(() => server.finish(bytes(message))).toThrow(pattern);
    }
    const zeros = new ScramServerExchange(verifier, { serverNonce: 'SRV' });
    zeros.start(bytes('n,,n=*,r=abc'));
    expect(zeros.finish(bytes(`c=biws,r=abcSRV,p=${Buffer.alloc(32).toString('base64')}`))).toEqual({
      ok: false,
    });
  });

  it('refuses messages out of order', () => {
    const server = new ScramServerExchange(verifier);
    expect(() => server.finish(bytes('c=biws'))).toThrow(/unexpected client-final-message/);
    const started = new ScramServerExchange(verifier);
    started.start(bytes('n,,n=*,r=abc'));
    expect(() => started.start(bytes('n,,n=*,r=abc'))).toThrow(/unexpected client-first-message/);
  });
});

describe('SCRAM verifiers', () => {
  it('round-trip through the pg_authid text form', () => {
    const text = makeScramVerifier('pw', { iterations: 10, salt: Buffer.from('salt') });
    expect(text).toMatch(/^SCRAM-SHA-256\$10:c2FsdA==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(formatScramVerifier(parseScramVerifier(text)!)).toBe(text);
  });

  it('take text that is not a verifier for a password', () => {
    expect(parseScramVerifier('SCRAM-SHA-256$4096:c2FsdA==$short:short')).toBeNull();
    expect(parseScramVerifier('md5abcdef')).toBeNull();
    expect(parseScramVerifier(`SCRAM-SHA-256$0:c2FsdA==$${'A'.repeat(43)}=:${'A'.repeat(43)}=`)).toBeNull();
  });

  it('normalise passwords with SASLprep', () => {
    expect(saslPrep('plain ascii')).toBe('plain ascii');
    expect(saslPrep('a\u00A0b')).toBe('a b');
    expect(saslPrep('a\u00ADb')).toBe('ab');
    expect(saslPrep('\u2168')).toBe('IX');
  });
});
