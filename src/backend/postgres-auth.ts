// PostgreSQL's authentication exchange, client side: trust, cleartext password, MD5 and
// SCRAM-SHA-256 (see scram-client.ts). Kerberos, GSSAPI and SSPI are refused with a clear message.
import { createHash } from 'node:crypto';
import { serialize } from 'pg-protocol';
import type { StartupOptions } from './postgres-startup.js';
import type { PostgresTarget } from './postgres-target.js';
import { readCString } from './protocol-bytes.js';
import { ScramClient, ScramError } from './scram-client.js';
import { ShardError } from './shard-error.js';

/** What to send back (nothing for AuthenticationOk and SASLFinal) and the SCRAM exchange, if any. */
export interface AuthenticationReply {
  readonly message?: Uint8Array;
  readonly scram?: ScramClient | undefined;
}

/**
 * The reply to one Authentication request (`code` and the data after it), and the SCRAM exchange
 * in progress. Passwords go only into the messages; errors name the user, never the password.
 */
export async function answerAuthentication(
  code: number,
  data: Uint8Array,
  target: PostgresTarget,
  options: StartupOptions,
  scram: ScramClient | undefined,
): Promise<AuthenticationReply> {
  const refuse = (code: string, reason: string) =>
    new ShardError(
      options.shard,
      code,
      `could not log in to PostgreSQL at ${options.address} as "${target.user}": ${reason}`,
    );
  const password = (method: string) => {
    if (target.password === undefined) {
      throw refuse(
        '28000',
        `the server asks for a password (${method}) but the shard's connection string has none; add it to the shard's address`,
      );
    }
    return target.password;
  };
  switch (code) {
    case 0: // AuthenticationOk
      return { scram };
    case 3: // AuthenticationCleartextPassword
      return { message: serialize.password(password('cleartext')) };
    case 5: {
      // AuthenticationMD5Password: "md5" + md5(md5(password + user) + salt), in hex.
      const inner = createHash('md5').update(password('md5')).update(target.user).digest('hex');
      const outer = createHash('md5').update(inner).update(data.subarray(0, 4)).digest('hex');
      return { message: serialize.password(`md5${outer}`) };
    }
    case 10: {
      // AuthenticationSASL: a list of mechanisms.
      const mechanisms: string[] = [];
      for (let offset = 0; offset < data.length && data[offset] !== 0; ) {
        const [name, next] = readCString(data, offset);
        mechanisms.push(name);
        offset = next;
      }
      if (!mechanisms.includes(ScramClient.mechanism)) {
        throw refuse(
          '28000',
          `the server offers SASL mechanisms ${mechanisms.join(', ')}; only SCRAM-SHA-256 is supported`,
        );
      }
      const client = new ScramClient(password('SCRAM-SHA-256'));
      return {
        message: serialize.sendSASLInitialResponseMessage(ScramClient.mechanism, client.clientFirstMessage()),
        scram: client,
      };
    }
    case 11: // AuthenticationSASLContinue: server-first.
    case 12: {
      // AuthenticationSASLFinal: server-final.
      if (!scram) throw refuse('08P01', 'the server sent a SASL message without a SASL exchange');
      const text = Buffer.from(data).toString('utf8');
      try {
        if (code === 11)
          return {
            message: serialize.sendSCRAMClientFinalMessage(await scram.clientFinalMessage(text)),
            scram,
          };
        scram.verifyServerFinal(text);
        return { scram };
      } catch (error) {
        if (error instanceof ScramError)
          throw refuse('28000', `SCRAM authentication failed: ${error.message}`);
        throw error;
      }
    }
    default:
      throw refuse(
        '28000',
        `the server asks for authentication method ${code} (Kerberos, GSSAPI or SSPI), which is not supported; use scram-sha-256, md5, password or trust`,
      );
  }
}
