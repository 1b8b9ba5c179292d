// PostgreSQL's cancel mechanism: a CancelRequest sent on a new connection, naming the backend by
// its process id and secret key (from BackendKeyData). It needs no login and no pooled connection,
// so it works even when every connection of the pool is busy.
import { connect } from 'node:net';

/** The server a connection talks to and the key that lets another connection cancel its statement. */
export interface CancelTarget {
  /** Host name, address, or a Unix socket directory (starting with `/`). */
  readonly host: string;
  readonly port: number;
  readonly processID: number;
  readonly secretKey: number;
}

/** CancelRequest's code: 1234 in the high 16 bits, 5678 in the low. */
const cancelRequestCode = 80877102;

/**
 * Asks the server to cancel the statement running on the target connection. Resolves once the
 * server has taken the request (it closes the socket); the statement then fails with 57014, unless
 * it had finished already, in which case the server ignores the request.
 */
export function sendCancelRequest(target: CancelTarget, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = target.host.startsWith('/')
      ? connect(`${target.host}/.s.PGSQL.${target.port}`)
      : connect(target.port, target.host);
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(cancelRequestCode, 4);
    message.writeInt32BE(target.processID, 8);
    message.writeInt32BE(target.secretKey, 12);
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer to the cancel request in ${timeoutMs} ms`)),
    );
    socket.once('connect', () => socket.end(message));
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}
