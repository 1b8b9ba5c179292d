import { describe, expect, it } from 'vitest';
import { ScramClient, ScramError, saslPrep } from './scram-client.js';

// RFC 7677, section 3: user "user", password "pencil".
const clientNonce = 'rOprNGfwEbeRWgbNEkqO';
const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const clientFinal =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

describe('ScramClient', () => {
  it('computes the exchange of RFC 7677 and accepts its server signature', async () => {
    const scram = new ScramClient('pencil', { user: 'user', nonce: clientNonce });
    expect(scram.clientFirstMessage()).toBe(`n,,n=user,r=${clientNonce}`);
    expect(await scram.clientFinalMessage(serverFirst)).toBe(clientFinal);
    expect(() => scram.verifyServerFinal(serverFinal)).not.toThrow();
  });

  it('refuses a server signature that does not prove the password', async () => {
    const scram = new ScramClient('not pencil', { user: 'user', nonce: clientNonce });
    await scram.clientFinalMessage(serverFirst);
    expect(() => scram.verifyServerFinal(serverFinal)).toThrow(/does not know the password/);
    expect(() => scram.verifyServerFinal('e=invalid-proof')).toThrow(/invalid-proof/);
  });

  it('refuses a server nonce that does not extend its own, and a missing salt', async () => {
    const scram = new ScramClient('pencil', { nonce: clientNonce });
    await expect(
      scram.clientFinalMessage('r=someone-else,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    ).rejects.toThrow(ScramError);
    await expect(scram.clientFinalMessage(`r=${clientNonce},s=c2FsdA==,i=4096`)).rejects.toThrow(/nonce/);
    await expect(scram.clientFinalMessage(`r=${clientNonce}xyz,i=4096`)).rejects.toThrow(/salt/);
    expect(() => new ScramClient('x').verifyServerFinal(serverFinal)).toThrow(/before the client-final/);
  });

  it('names PostgreSQL users as "*" and escapes user names as RFC 5802 says', () => {
    expect(new ScramClient('x', { nonce: 'n' }).clientFirstMessage()).toBe('n,,n=*,r=n');
    expect(new ScramClient('x', { user: 'a=b,c', nonce: 'n' }).clientFirstMessage()).toBe(
      'n,,n=a=3Db=2Cc,r=n',
    );
  });
});

describe('saslPrep', () => {
  it('keeps ASCII, maps odd spaces to spaces, drops soft hyphens, composes with NFKC', () => {
    expect(saslPrep('plain ASCII pw!')).toBe('plain ASCII pw!');
    expect(saslPrep('a\u00A0b\u3000c')).toBe('a b c');
    expect(saslPrep('I\u00ADX')).toBe('IX');
    expect(saslPrep('pa\u0308ss')).toBe('päss');
    expect(saslPrep('\u2168')).toBe('IX');
  });

  it('leaves a password with control characters as it is, as PostgreSQL does', () => {
    expect(saslPrep('t\u00E9st\u0007')).toBe('t\u00E9st\u0007');
  });
});
