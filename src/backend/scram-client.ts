// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL runs it over SASL messages:
// client-first, server-first, client-final, server-final. The server's final signature is checked,
// so a server that does not know the password cannot pass for the shard. Channel binding is not
// used (the client says "n,,"), as libpq does without `channel_binding=require`.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/** A SCRAM exchange that cannot go on: the server's message is malformed or its proof is wrong. */
export class ScramError extends Error {
  override name = 'ScramError';
}

/**
 * One SCRAM-SHA-256 exchange.
 *
 * @example
 *   const scram = new ScramClient(password);
 *   send(SASLInitialResponse('SCRAM-SHA-256', scram.clientFirstMessage()));
 *   send(SASLResponse(await scram.clientFinalMessage(serverFirst)));
 *   scram.verifyServerFinal(serverFinal); // throws ScramError unless the server proved the password
 */
export class ScramClient {
  static readonly mechanism = 'SCRAM-SHA-256';
  readonly #password: string;
  readonly #nonce: string;
  readonly #user: string;
  #authMessage: string | undefined;
  #serverSignature: Buffer | undefined;

  /**
   * @param options.user the SCRAM user name; PostgreSQL takes the user from the startup message and
   *   ignores this one, hence the default `*`
   * @param options.nonce the client nonce (default: 18 random bytes in base64); for tests
   */
  constructor(password: string, options: { readonly user?: string; readonly nonce?: string } = {}) {
    this.#password = password;
    this.#user = options.user ?? '*';
    this.#nonce = options.nonce ?? randomBytes(18).toString('base64');
  }

  /** The client-first message (`n,,n=user,r=nonce`). */
  clientFirstMessage(): string {
    return `n,,${this.#clientFirstBare()}`;
  }

  /** The client-final message answering `serverFirst` (`r=…,s=…,i=…`). */
  async clientFinalMessage(serverFirst: string): Promise<string> {
    const attributes = parseAttributes(serverFirst);
    const nonce = attributes.get('r');
    const salt = attributes.get('s');
    const iterations = Number(attributes.get('i'));
    if (!nonce?.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new ScramError('the server-first message does not extend the client nonce');
    }
    if (!salt || !Number.isSafeInteger(iterations) || iterations < 1) {
      throw new ScramError('the server-first message has no valid salt or iteration count');
    }
    const salted = await pbkdf2Async(
      saslPrep(this.#password),
      Buffer.from(salt, 'base64'),
      iterations,
      32,
      'sha256',
    );
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    // "biws" is base64("n,,"): the GS2 header of the client-first message, without channel binding.
    const withoutProof = `c=biws,r=${nonce}`;
    this.#authMessage = `${this.#clientFirstBare()},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(storedKey, this.#authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.#serverSignature = hmac(hmac(salted, 'Server Key'), this.#authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final message (`v=…`); throws ScramError when the server's proof is wrong. */
  verifyServerFinal(serverFinal: string): void {
    if (!this.#serverSignature) throw new ScramError('the server-final message came before the client-final');
    const attributes = parseAttributes(serverFinal);
    const failure = attributes.get('e');
    if (failure) throw new ScramError(`the server ended the exchange: ${failure}`);
    const signature = Buffer.from(attributes.get('v') ?? '', 'base64');
    if (
      signature.length !== this.#serverSignature.length ||
      !timingSafeEqual(signature, this.#serverSignature)
    ) {
      throw new ScramError('the server signature does not match: the server does not know the password');
    }
  }

  #clientFirstBare(): string {
    // RFC 5802 escapes ',' and '=' in the user name.
    return `n=${this.#user.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=${this.#nonce}`;
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) attributes.set(part[0]!, part.slice(2));
  }
  return attributes;
}

// SASLprep (RFC 4013) as PostgreSQL applies it to passwords: non-ASCII spaces become spaces,
// characters "commonly mapped to nothing" go, then NFKC. PostgreSQL uses the password as it is
// when it contains prohibited characters (here: control characters), and so does this.
const nonAsciiSpace = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;
const mappedToNothing = new Set([
  0xad,
  0x34f,
  0x1806,
  0x180b,
  0x180c,
  0x180d,
  0x200b,
  0x200c,
  0x200d,
  0x2060,
  0xfeff,
  ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i),
]);
// biome-ignore lint/suspicious/noControlCharactersInRegex: SASLprep prohibits control characters.
const prohibited = /[\u0000-\u001F\u007F-\u009F]/;

/** A password normalised as PostgreSQL's SCRAM verifier was computed from it. */
export function saslPrep(password: string): string {
  if (/^[\u0020-\u007E]*$/.test(password)) return password;
  const kept = [...password.replace(nonAsciiSpace, ' ')].filter(
    (c) => !mappedToNothing.has(c.codePointAt(0)!),
  );
  const mapped = kept.join('').normalize('NFKC');
  return prohibited.test(mapped) ? password : mapped;
}
