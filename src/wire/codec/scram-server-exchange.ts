// The server side of one SCRAM-SHA-256 exchange (RFC 5802 / RFC 7677) as PostgreSQL runs it: no
// channel binding (gs2 flag 'n', or 'y' from a client that could bind but was not offered
// SCRAM-SHA-256-PLUS), no authzid, and the user name in the message ignored in favour of the
// StartupMessage's. Pure apart from drawing the server nonce.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from './protocol-error.js';
import type { ScramVerifier } from './scram-verifier.js';

/** The one mechanism offered in AuthenticationSASL. */
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

/** Outcome of the client's final message. */
export type ScramOutcome = { readonly ok: true; readonly serverFinal: string } | { readonly ok: false };

const printableNonce = /^[\x21-\x2b\x2d-\x7e]+$/;
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const latin1 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

function malformed(problem: string): ProtocolError {
  return new ProtocolError(`malformed SCRAM message: ${problem}`);
}

/**
 * One exchange: `start` answers the client-first-message with the server-first-message (send it in
 * AuthenticationSASLContinue), `finish` checks the client-final-message and, when the proof is right,
 * returns the server-final-message (send it in AuthenticationSASLFinal, then AuthenticationOk).
 *
 * For an unknown user, pass a made-up verifier and `mock: true`: the exchange then looks the same to the
 * client and always fails at the end, so the answer does not reveal which users exist.
 *
 * @example
 *   const scram = new ScramServerExchange(verifier);
 *   write(encodeAuthenticationSASLContinue(scram.start(initial.data)));
 *   const outcome = scram.finish(response.data);
 */
export class ScramServerExchange {
  readonly #verifier: ScramVerifier;
  readonly #mock: boolean;
  readonly #serverNonce: string;
  #state: 'new' | 'started' | 'done' = 'new';
  #gs2Header = '';
  #nonce = '';
  #clientFirstBare = '';
  #serverFirst = '';

  constructor(
    verifier: ScramVerifier,
    options: { readonly mock?: boolean; readonly serverNonce?: string } = {},
  ) {
    this.#verifier = verifier;
    this.#mock = options.mock ?? false;
    this.#serverNonce = options.serverNonce ?? randomBytes(18).toString('base64');
  }

  /**
   * Reads the client-first-message and returns the server-first-message.
   *
   * @throws ProtocolError (08P01) for a malformed message, channel binding or an authzid.
   */
  start(clientFirst: Uint8Array): string {
    if (this.#state !== 'new') throw malformed('unexpected client-first-message');
    this.#state = 'started';
    const text = latin1(clientFirst);
    const flag = text[0];
    if (flag === 'p')
      throw malformed('the client requires channel binding, which this server does not offer');
    if ((flag !== 'n' && flag !== 'y') || text[1] !== ',')
      throw malformed('invalid GS2 channel-binding flag');
    if (text.startsWith('a=', 2)) throw malformed('authorization identities are not supported');
    if (text[2] !== ',') throw malformed('invalid GS2 header');
    this.#gs2Header = text.slice(0, 3);
    const bare = text.slice(3);
    const attributes = bare.split(',');
    if (attributes[0]?.startsWith('m=')) throw malformed('unsupported mandatory extension');
    if (!attributes[0]?.startsWith('n=')) throw malformed('expected the user name attribute');
    const nonce = attributes[1]?.startsWith('r=') ? attributes[1].slice(2) : '';
    if (!printableNonce.test(nonce)) throw malformed('expected a printable client nonce');
    this.#clientFirstBare = bare;
    this.#nonce = nonce + this.#serverNonce;
    const salt = Buffer.from(this.#verifier.salt).toString('base64');
    this.#serverFirst = `r=${this.#nonce},s=${salt},i=${this.#verifier.iterations}`;
    return this.#serverFirst;
  }

  /**
   * Checks the client-final-message's proof.
   *
   * @throws ProtocolError (08P01) for a malformed message or one that does not match the exchange.
   */
  finish(clientFinal: Uint8Array): ScramOutcome {
    if (this.#state !== 'started') throw malformed('unexpected client-final-message');
    this.#state = 'done';
    const text = latin1(clientFinal);
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw malformed('missing the proof attribute');
    const withoutProof = text.slice(0, proofAt);
    const attributes = withoutProof.split(',');
    const binding = attributes[0]?.startsWith('c=') ? attributes[0].slice(2) : null;
    if (binding === null || !base64.test(binding)) throw malformed('expected the channel-binding attribute');
    if (Buffer.from(binding, 'base64').toString('latin1') !== this.#gs2Header) {
      throw malformed('channel-binding data does not match the GS2 header');
    }
    if (attributes[1] !== `r=${this.#nonce}`) throw malformed('the nonce does not match');
    const proofText = text.slice(proofAt + 3);
    if (!base64.test(proofText)) throw malformed('the proof is not base64');
    const proof = Buffer.from(proofText, 'base64');
    if (proof.length !== 32) throw malformed('the proof has the wrong length');

    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const clientSignature = createHmac('sha256', this.#verifier.storedKey).update(authMessage).digest();
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const computed = createHash('sha256').update(clientKey).digest();
    const matches = timingSafeEqual(computed, this.#verifier.storedKey);
    if (!matches || this.#mock) return { ok: false };
    const serverSignature = createHmac('sha256', this.#verifier.serverKey).update(authMessage).digest();
    return { ok: true, serverFinal: `v=${serverSignature.toString('base64')}` };
  }
}
