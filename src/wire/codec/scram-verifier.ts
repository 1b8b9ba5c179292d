// SCRAM-SHA-256 credentials as PostgreSQL stores them in pg_authid.rolpassword:
// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts). A server configured with
// a plain password derives the same keys once, so both kinds of configuration authenticate alike.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** The keys a SCRAM server needs to check a client's proof; the password itself is not among them. */
export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

/** PostgreSQL's defaults (scram_iterations, SCRAM_DEFAULT_SALT_LEN). */
export const DEFAULT_SCRAM_ITERATIONS = 4096;
const DEFAULT_SALT_BYTES = 16;

const verifierPattern =
  /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

/** True when `text` has the shape of a stored SCRAM-SHA-256 verifier (not a plain password). */
export function isScramVerifier(text: string): boolean {
  return parseScramVerifier(text) !== null;
}

/** Parses a stored verifier; null when `text` is not one (then it is taken as a plain password). */
export function parseScramVerifier(text: string): ScramVerifier | null {
  const match = verifierPattern.exec(text);
  if (!match) return null;
  const iterations = Number(match[1]);
  const salt = Buffer.from(match[2]!, 'base64');
  const storedKey = Buffer.from(match[3]!, 'base64');
  const serverKey = Buffer.from(match[4]!, 'base64');
  if (!Number.isSafeInteger(iterations) || iterations < 1 || salt.length === 0) return null;
  if (storedKey.length !== 32 || serverKey.length !== 32) return null;
  return { iterations, salt, storedKey, serverKey };
}

/** Derives the verifier of `password` (normalised with SASLprep, as PostgreSQL does). */
export function scramVerifierFromPassword(
  password: string,
  options: { readonly iterations?: number; readonly salt?: Uint8Array } = {},
): ScramVerifier {
  const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  const salt = options.salt ?? randomBytes(DEFAULT_SALT_BYTES);
  const salted = pbkdf2Sync(saslPrep(password), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return { iterations, salt, storedKey, serverKey };
}

/** The pg_authid text form of a verifier. */
export function formatScramVerifier(verifier: ScramVerifier): string {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return `SCRAM-SHA-256$${verifier.iterations}:${b64(verifier.salt)}$${b64(verifier.storedKey)}:${b64(verifier.serverKey)}`;
}

/**
 * Makes a stored verifier for `password`, to put in a configuration instead of the password.
 *
 * @example
 *   makeScramVerifier('s3cret') // 'SCRAM-SHA-256$4096:…$…:…'
 */
export function makeScramVerifier(
  password: string,
  options: { readonly iterations?: number; readonly salt?: Uint8Array } = {},
): string {
  return formatScramVerifier(scramVerifierFromPassword(password, options));
}

// RFC 3454 table C.1.2 (non-ASCII spaces → U+0020) and table B.1 (mapped to nothing).
const nonAsciiSpace = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the table lists joiners and variation selectors on purpose
const mappedToNothing = /[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;

/**
 * SASLprep (RFC 4013) as far as it changes bytes: space mapping, removal of ignorable characters, NFKC.
 * The prohibited-character and bidi checks are left out, as node-postgres does; PostgreSQL falls back
 * to the raw password in those cases rather than rejecting it, so ordinary passwords agree everywhere.
 */
export function saslPrep(password: string): string {
  if (/^[\x20-\x7e]*$/.test(password)) return password;
  return password.replace(nonAsciiSpace, ' ').replace(mappedToNothing, '').normalize('NFKC');
}
