// One client connection from accept to close: the startup phase (SSL/GSS negotiation, cancel
// requests, the StartupMessage, authentication, the session factory), then the query phase, where
// decoded messages go to the session handler one batch at a time. Whatever goes wrong ends this
// connection only, with a FATAL ErrorResponse when the client can still read it.
import type { Duplex } from 'node:stream';
import { decodeFrontendMessage } from '../codec/decode-frontend-message.js';
import { encodeAuthenticationOk } from '../codec/encode-authentication.js';
import { encodeErrorResponse } from '../codec/encode-error-response.js';
import {
  encodeBackendKeyData,
  encodeParameterStatus,
  encodeReadyForQuery,
} from '../codec/encode-status-messages.js';
import type { FrontendMessage } from '../codec/frontend-message.js';
import { FrontendMessageType } from '../codec/message-types.js';
import { authenticateWithScram } from './authenticate-client.js';
import type { ConnectionHost } from './connection-host.js';
import { type Fatal, fatalFor, refusalFor } from './fatal-errors.js';
import { FrameInbox } from './frame-inbox.js';
import { negotiateProtocolVersion, negotiateStartup } from './negotiate-startup.js';
import type { SessionHandler, StartupInfo, WireConnection } from './session-handler.js';
import { reportedParameters, startupInfoFrom } from './startup-info.js';
import { upgradeToTls } from './upgrade-to-tls.js';

const DESTROY_AFTER_END_MS = 2000;
/** PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH, plus the message header. */
const MAX_AUTHENTICATION_MESSAGE_BYTES = 65_535 + 5;

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
  #corked = false;
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
    if (this.#phase === 'closed') return;
    const stream = this.#stream;
    // Everything written in one tick leaves in one writev: a result is many small messages, and with
    // Nagle off each write would otherwise be its own TCP segment.
    if (!this.#corked) {
      this.#corked = true;
      stream.cork();
      process.nextTick(() => {
        this.#corked = false;
        if (stream.writableCorked > 0) stream.uncork();
      });
    }
    stream.write(bytes);
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
    const startup = await negotiateStartup({
      inbox: this.#inbox,
      secureContext: this.#host.secureContext,
      write: (bytes) => this.write(bytes),
      upgradeToTls: (secureContext) => {
        // The 'S' must reach the socket before TLS takes the socket over.
        if (this.#corked) this.#stream.uncork();
        this.#inbox.detach();
        this.#stream = upgradeToTls(this.#stream, secureContext);
        this.#watch(this.#stream);
        this.#inbox.restart();
        this.#inbox.attach(this.#stream);
      },
      cancel: (processId, secretKey) => this.#host.cancel(processId, secretKey),
    });
    if (!startup) return this.#shutdown();
    if (this.#phase !== 'startup') return;
    negotiateProtocolVersion(startup, (bytes) => this.write(bytes));
    this.#inbox.expectTyped(MAX_AUTHENTICATION_MESSAGE_BYTES);
    const user = startup.parameters.user;
    if (!user)
      return this.#shutdown({
        code: '28000',
        message: 'no PostgreSQL user name specified in startup packet',
      });
    if (!(await this.#authenticate(user))) return;
    this.#inbox.liftLimit();
    this.write(encodeAuthenticationOk());
    this.#startup = startupInfoFrom(startup.parameters, this.remoteAddress);
    ({ processId: this.#processId, secretKey: this.#secretKey } = this.#host.register(this));
    await this.#openSession();
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
      return this.#shutdown(refusalFor(error, this.#host.logger));
    }
    this.#handler = handler;
    if (this.#finished) return this.#notifyClosed(handler);
    if (this.#phase !== 'startup') return;
    clearTimeout(this.#startupTimer);
    for (const [name, value] of reportedParameters(this.#host.serverParameters, this.startup)) {
      this.write(encodeParameterStatus(name, value));
    }
    this.write(encodeBackendKeyData(this.#processId, this.#secretKey));
    this.write(encodeReadyForQuery('I'));
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
      this.#shutdown(fatalFor(error, this.#host.logger, 'the session', { processId: this.#processId }));
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
    this.#shutdown(
      fatalFor(error, this.#host.logger, 'the connection', { remoteAddress: this.remoteAddress }),
    );
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
