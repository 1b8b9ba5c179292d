// The SCRAM verifier of each configured user. Plain passwords are turned into verifiers once, on first
// use, with a salt drawn per server; unknown users get a made-up verifier that is stable per user name,
// so probing the server yields the same salt twice and cannot tell real users from unknown ones.
import { createHmac, randomBytes } from 'node:crypto';
import {
  DEFAULT_SCRAM_ITERATIONS,
  parseScramVerifier,
  type ScramVerifier,
  scramVerifierFromPassword,
} from '../codec/scram-verifier.js';

/** A verifier and whether it is a stand-in for a user that does not exist. */
export interface Credential {
  readonly verifier: ScramVerifier;
  readonly mock: boolean;
}

/** Looks up users' SCRAM verifiers. */
export class CredentialStore {
  readonly #configured: Map<string, string>;
  readonly #verifiers = new Map<string, ScramVerifier>();
  readonly #mockSecret = randomBytes(32);

  /** `users`: user name → plain password or stored verifier. */
  constructor(users: Readonly<Record<string, string>>) {
    this.#configured = new Map(Object.entries(users));
  }

  /** The credential to run an exchange for `user` with. */
  credentialFor(user: string): Credential {
    const cached = this.#verifiers.get(user);
    if (cached) return { verifier: cached, mock: false };
    const configured = this.#configured.get(user);
    if (configured === undefined) return { verifier: this.#mockVerifier(user), mock: true };
    const verifier = parseScramVerifier(configured) ?? scramVerifierFromPassword(configured);
    this.#verifiers.set(user, verifier);
    return { verifier, mock: false };
  }

  #mockVerifier(user: string): ScramVerifier {
    const derive = (label: string) =>
      createHmac('sha256', this.#mockSecret).update(`${label}\0${user}`).digest();
    return {
      iterations: DEFAULT_SCRAM_ITERATIONS,
      salt: derive('salt').subarray(0, 16),
      storedKey: derive('stored'),
      serverKey: derive('server'),
    };
  }
}
