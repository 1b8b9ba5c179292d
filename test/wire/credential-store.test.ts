// CredentialStore: configured users by password or stored verifier, and stand-ins for unknown users
// that do not give them away.
import { describe, expect, it } from 'vitest';
import { makeScramVerifier, parseScramVerifier } from '../../src/wire/codec/scram-verifier.js';
import { CredentialStore } from '../../src/wire/server/credential-store.js';

describe('CredentialStore', () => {
  const stored = makeScramVerifier('pw', { iterations: 1000 });
  const store = new CredentialStore({ alice: 'plain', bob: stored });

  it('uses a stored verifier as given and derives one from a plain password', () => {
    expect(store.credentialFor('bob')).toEqual({ verifier: parseScramVerifier(stored), mock: false });
    const alice = store.credentialFor('alice');
    expect(alice.mock).toBe(false);
    expect(alice.verifier.iterations).toBe(4096);
    // Derived once: the same salt for every connection.
    expect(store.credentialFor('alice').verifier.salt).toEqual(alice.verifier.salt);
  });

  it('gives unknown users a stand-in that is stable per name and looks like a real verifier', () => {
    const a = store.credentialFor('mallory');
    const b = store.credentialFor('mallory');
    const c = store.credentialFor('eve');
    expect(a.mock).toBe(true);
    expect(a.verifier.salt).toEqual(b.verifier.salt);
    expect(a.verifier.salt).not.toEqual(c.verifier.salt);
    expect(a.verifier.salt).toHaveLength(16);
    expect(a.verifier.iterations).toBe(store.credentialFor('alice').verifier.iterations);
  });
});
