// The SCRAM verifier of each configured user. Plain passwords are turned into verifiers when the store
// is made (with a salt drawn per server), so a first login does not take measurably longer than the
// next and the timing of an answer says nothing. Unknown users get a made-up verifier that is stable
// per user name, so probing yields the same salt twice and cannot tell real users from unknown ones.
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
  readonly #verifiers = new Map<string, ScramVerifier>();
  readonly #mockSecret = randomBytes(32);

  /** `users`: user name → plain password or stored verifier (`SCRAM-SHA-256$…`). */
  constructor(users: Readonly<Record<string, string>>) {
    for (const [user, configured] of Object.entries(users)) {
      this.#verifiers.set(user, parseScramVerifier(configured) ?? scramVerifierFromPassword(configured));
    }
  }

  /** The credential to run an exchange for `user` with. */
  credentialFor(user: string): Credential {
    const verifier = this.#verifiers.get(user);
    return verifier ? { verifier, mock: false } : { verifier: this.#mockVerifier(user), mock: true };
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
