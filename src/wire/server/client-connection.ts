// One client connection from accept to close: the startup phase (SSL/GSS negotiation, cancel
// requests, the StartupMessage, authentication, the session factory), then the query phase, where
// decoded messages go to the session handler one batch at a time. Whatever goes wrong ends this
// connection only, with a FATAL ErrorResponse when the client can still read it.
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import { FramingError } from '../../protocol/message-framer.js';
import type { Logger } from '../../util/logger.js';
import { decodeFrontendMessage } from '../codec/decode-frontend-message.js';
import { decodeStartupPacket } from '../codec/decode-startup-packet.js';
import { encodeAuthenticationOk } from '../codec/encode-authentication.js';
import { encodeErrorResponse } from '../codec/encode-error-response.js';
import {
  encodeBackendKeyData,
  encodeNegotiateProtocolVersion,
  encodeParameterStatus,
  encodeReadyForQuery,
} from '../codec/encode-status-messages.js';
import type { FrontendMessage, StartupMessage } from '../codec/frontend-message.js';
import { FrontendMessageType, StartupCode } from '../codec/message-types.js';
import { ProtocolError } from '../codec/protocol-error.js';
import { authenticateWithScram } from './authenticate-client.js';
import type { CredentialStore } from './credential-store.js';
import { FrameInbox } from './frame-inbox.js';
import type { SessionFactory, SessionHandler, StartupInfo, WireConnection } from './session-handler.js';
import { protocolOptionsIn, reportedParameters, startupInfoFrom } from './startup-info.js';
import { upgradeToTls } from './upgrade-to-tls.js';

/** A FATAL error to send before closing. */
interface Fatal {
  readonly code: string;
  readonly message: string;
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly logger: Logger;
  readonly sessionFactory: SessionFactory;
  readonly serverParameters: Readonly<Record<string, string>>;
  readonly maxMessageBytes: number;
  readonly maxQueuedBytes: number;
  readonly startupTimeoutMs: number;
  readonly secureContext: SecureContext | null;
  /** SCRAM credentials; null for trust authentication. */
  readonly credentials: CredentialStore | null;
  /** For trust authentication: true when a client at `remoteAddress` must be refused. */
  trustRefusedFor(remoteAddress: string): boolean;
  /** Gives the connection a unique process id and secret key. */
  register(connection: ClientConnection): { readonly processId: number; readonly secretKey: number };
  /** Passes a CancelRequest on to the connection it names, if any. */
  cancel(processId: number, secretKey: number): void;
  /** The connection has ended. */
  closed(connection: ClientConnection): void;
}

const SSL_REFUSED = Uint8Array.of(0x4e); // 'N'
const SSL_ACCEPTED = Uint8Array.of(0x53); // 'S'
const DESTROY_AFTER_END_MS = 2000;

/** A client connection; the session sees it as a WireConnection. */
export class ClientConnection implements WireConnection {
  readonly remoteAddress: string;
  readonly #host: ConnectionHost;
  readonly #inbox: FrameInbox;
  #stream: Duplex;
  #phase: 'startup' | 'ready' | 'closed' = 'startup';
  #startup: StartupInfo | null = null;
  #processId = 0;
  #secretKey = 0;
  #handler: SessionHandler | null = null;
  #pumping = false;
  #finished = false;
  #startupTimer: NodeJS.Timeout | undefined;
  #resolveDone!: () => void;
  /** Resolves once the socket has closed. */
  readonly done = new Promise<void>((resolve) => {
    this.#resolveDone = resolve;
  });

  constructor(host: ConnectionHost, stream: Duplex) {
    this.#host = host;
    this.#stream = stream;
    const address = (stream as { remoteAddress?: unknown }).remoteAddress;
    this.remoteAddress = typeof address === 'string' ? address : '';
    this.#inbox = new FrameInbox({
      maxMessageBytes: host.maxMessageBytes,
      maxQueuedBytes: host.maxQueuedBytes,
    });
    this.#watch(stream);
    this.#inbox.attach(stream);
  }

  get startup(): StartupInfo {
    if (!this.#startup) throw new Error('the connection has not completed startup');
    return this.#startup;
  }

  get processId(): number {
    return this.#processId;
  }

  /** The key a CancelRequest must quote. */
  get secretKey(): number {
    return this.#secretKey;
  }

  /** True once the session receives messages (startup and authentication are over). */
  get ready(): boolean {
    return this.#phase === 'ready';
  }

  /** Runs the connection; never rejects. */
  start(): void {
    this.#startupTimer = setTimeout(() => {
      if (this.#phase === 'startup')
        this.#shutdown({ code: '57014', message: 'canceling authentication due to timeout' });
    }, this.#host.startupTimeoutMs);
    this.#startupTimer.unref();
    this.#runStartup().catch((error: unknown) => this.#fail(error));
  }

  write(bytes: Uint8Array): void {
    if (this.#phase !== 'closed') this.#stream.write(bytes);
  }

  drained(): Promise<void> {
    const stream = this.#stream;
    if (this.#phase === 'closed' || !stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
  }

  close(error?: Fatal): void {
    this.#shutdown(error ? { code: error.code, message: error.message } : undefined);
  }

  /** A CancelRequest named this connection. */
  cancel(): void {
    if (this.#phase !== 'ready' || !this.#handler) return;
    try {
      this.#handler.onCancel();
    } catch (error) {
      this.#host.logger.error({ err: error, processId: this.#processId }, 'session onCancel failed');
    }
  }

  async #runStartup(): Promise<void> {
    const startup = await this.#negotiate();
    if (!startup || this.#phase !== 'startup') return;
    const version = startup.protocolVersion;
    if (version >>> 16 !== 3) {
      const found = `${version >>> 16}.${version & 0xffff}`;
      throw new ProtocolError(`unsupported frontend protocol ${found}: server supports 3.0 to 3.0`);
    }
    this.#inbox.expectTyped();
    const user = startup.parameters.user;
    if (!user)
      return this.#shutdown({
        code: '28000',
        message: 'no PostgreSQL user name specified in startup packet',
      });
    const options = protocolOptionsIn(startup.parameters);
    if ((version & 0xffff) !== 0 || options.length > 0) {
      this.write(encodeNegotiateProtocolVersion(StartupCode.protocol30, options));
    }
    if (!(await this.#authenticate(user))) return;
    this.write(encodeAuthenticationOk());
    this.#startup = startupInfoFrom(startup.parameters, this.remoteAddress);
    ({ processId: this.#processId, secretKey: this.#secretKey } = this.#host.register(this));
    await this.#openSession();
  }

  /** Answers SSLRequest / GSSENCRequest / CancelRequest until the StartupMessage; null when there is none. */
  async #negotiate(): Promise<StartupMessage | null> {
    const seen = new Set<string>();
    for (;;) {
      const frame = await this.#inbox.next();
      if (!frame || this.#phase !== 'startup') return null;
      const packet = decodeStartupPacket(frame);
      if (packet.type === 'StartupMessage') return packet;
      if (packet.type === 'CancelRequest') {
        this.#host.cancel(packet.processId, packet.secretKey);
        this.#shutdown();
        return null;
      }
      if (seen.has(packet.type)) throw new ProtocolError(`${packet.type} received twice`);
      seen.add(packet.type);
      const secureContext = this.#host.secureContext;
      if (packet.type === 'GSSENCRequest' || !secureContext) {
        this.write(SSL_REFUSED);
        continue;
      }
      // Bytes sent before the handshake would be trusted as if they came over TLS (CVE-2021-23214).
      if (this.#inbox.hasPending) throw new ProtocolError('received unencrypted data after SSL request');
      this.write(SSL_ACCEPTED);
      this.#inbox.detach();
      this.#stream = upgradeToTls(this.#stream, secureContext);
      this.#watch(this.#stream);
      this.#inbox.restart();
      this.#inbox.attach(this.#stream);
    }
  }

  /** True when the client may proceed; otherwise the connection is already closing. */
  async #authenticate(user: string): Promise<boolean> {
    const credentials = this.#host.credentials;
    if (!credentials) {
      if (!this.#host.trustRefusedFor(this.remoteAddress)) return true;
      this.#shutdown({
        code: '28000',
        message:
          'trust authentication is only allowed from this machine; configure scram-sha-256 authentication',
      });
      return false;
    }
    const channel = { next: () => this.#inbox.next(), write: (bytes: Uint8Array) => this.write(bytes) };
    const result = await authenticateWithScram(channel, credentials.credentialFor(user));
    if (result === 'ok') return true;
    if (result === 'failed') {
      this.#shutdown({ code: '28P01', message: `password authentication failed for user "${user}"` });
    } else {
      this.#shutdown();
    }
    return false;
  }

  async #openSession(): Promise<void> {
    let handler: SessionHandler;
    try {
      handler = await this.#host.sessionFactory(this);
    } catch (error) {
      return this.#shutdown(refusal(error, this.#host.logger));
    }
    this.#handler = handler;
    if (this.#finished) return this.#notifyClosed(handler);
    if (this.#phase !== 'startup') return;
    clearTimeout(this.#startupTimer);
    const stream = this.#stream;
    stream.cork();
    for (const [name, value] of reportedParameters(this.#host.serverParameters, this.startup)) {
      stream.write(encodeParameterStatus(name, value));
    }
    stream.write(encodeBackendKeyData(this.#processId, this.#secretKey));
    stream.write(encodeReadyForQuery('I'));
    stream.uncork();
    this.#phase = 'ready';
    this.#inbox.onChange = () => void this.#pump();
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#phase === 'ready') {
        const frames = this.#inbox.takeAll();
        if (frames.length === 0) break;
        const messages: FrontendMessage[] = [];
        let stop: 'terminate' | unknown = null;
        for (const frame of frames) {
          if (frame.type === FrontendMessageType.Terminate) {
            stop = 'terminate';
            break;
          }
          try {
            messages.push(decodeFrontendMessage(frame));
          } catch (error) {
            stop = error;
            break;
          }
        }
        if (messages.length > 0) await this.#handler!.onMessages(messages);
        if (stop === 'terminate') return this.#shutdown();
        if (stop !== null) return this.#fail(stop);
      }
      if (this.#phase !== 'ready') return;
      if (this.#inbox.failure) this.#fail(this.#inbox.failure);
      else if (this.#inbox.ended) this.#shutdown();
    } catch (error) {
      this.#host.logger.error({ err: error, processId: this.#processId }, 'session onMessages failed');
      this.#shutdown(
        error instanceof ProtocolError
          ? { code: error.code, message: error.message }
          : { code: 'XX000', message: 'internal error in the session; the connection is closed' },
      );
    } finally {
      this.#pumping = false;
    }
  }

  #watch(stream: Duplex): void {
    stream.on('error', (error: Error) => {
      this.#host.logger.debug({ err: error, remoteAddress: this.remoteAddress }, 'client socket error');
    });
    stream.on('close', () => this.#onSocketClosed());
  }

  #fail(error: unknown): void {
    if (this.#phase === 'closed') return;
    if (error instanceof ProtocolError || error instanceof FramingError) {
      this.#host.logger.debug(
        { code: error.code, reason: error.message, remoteAddress: this.remoteAddress },
        'protocol violation',
      );
      this.#shutdown({ code: error.code, message: error.message });
      return;
    }
    this.#host.logger.error({ err: error, remoteAddress: this.remoteAddress }, 'client connection failed');
    this.#shutdown({ code: 'XX000', message: 'internal error; the connection is closed' });
  }

  #shutdown(fatal?: Fatal): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    clearTimeout(this.#startupTimer);
    this.#inbox.close();
    const stream = this.#stream;
    if (fatal && stream.writable) stream.write(encodeErrorResponse({ severity: 'FATAL', ...fatal }));
    stream.end();
    // A client that neither reads nor closes must not hold the socket open forever.
    setTimeout(() => stream.destroy(), DESTROY_AFTER_END_MS).unref();
    this.#finish();
  }

  #onSocketClosed(): void {
    this.#phase = 'closed';
    clearTimeout(this.#startupTimer);
    this.#inbox.close();
    this.#stream.destroy();
    this.#finish();
    this.#resolveDone();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#host.closed(this);
    if (this.#handler) this.#notifyClosed(this.#handler);
  }

  #notifyClosed(handler: SessionHandler): void {
    try {
      handler.onClose();
    } catch (error) {
      this.#host.logger.error({ err: error, processId: this.#processId }, 'session onClose failed');
    }
  }
}

/** The FATAL error for a session factory's refusal: its own SQLSTATE and message, or a generic XX000. */
function refusal(error: unknown, logger: Logger): Fatal {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string')
    return { code, message };
  logger.error({ err: error }, 'session factory failed');
  return { code: 'XX000', message: 'internal error while opening the session' };
}
