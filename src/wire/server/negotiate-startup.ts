// The packets a client may send before its StartupMessage: SSLRequest (answered 'S' and upgraded to
// TLS when a certificate is configured, else 'N'), GSSENCRequest (always 'N': no GSSAPI), and
// CancelRequest (passed on, then the connection ends without an answer).
import type { SecureContext } from 'node:tls';
import { decodeStartupPacket } from '../codec/decode-startup-packet.js';
import { encodeNegotiateProtocolVersion } from '../codec/encode-status-messages.js';
import type { StartupMessage } from '../codec/frontend-message.js';
import { StartupCode } from '../codec/message-types.js';
import { ProtocolError } from '../codec/protocol-error.js';
import type { FrameInbox } from './frame-inbox.js';
import { protocolOptionsIn } from './startup-info.js';

const REFUSED = Uint8Array.of(0x4e); // 'N'
const ACCEPTED = Uint8Array.of(0x53); // 'S'

/** What the negotiation needs from its connection. */
export interface NegotiationChannel {
  readonly inbox: FrameInbox;
  readonly secureContext: SecureContext | null;
  write(bytes: Uint8Array): void;
  /** Moves the connection onto TLS: the inbox reads the TLS stream from now on. */
  upgradeToTls(secureContext: SecureContext): void;
  /** A CancelRequest arrived on this connection. */
  cancel(processId: number, secretKey: number): void;
}

/**
 * Answers negotiation packets until the StartupMessage, which it returns; null when the client sent a
 * CancelRequest or went away (either way the connection should end quietly).
 *
 * @throws ProtocolError (08P01) for a malformed packet, a repeated request, or bytes pipelined after an
 *   SSLRequest the server accepts.
 */
export async function negotiateStartup(channel: NegotiationChannel): Promise<StartupMessage | null> {
  const seen = new Set<string>();
  for (;;) {
    const frame = await channel.inbox.next();
    if (!frame) return null;
    const packet = decodeStartupPacket(frame);
    if (packet.type === 'StartupMessage') return packet;
    if (packet.type === 'CancelRequest') {
      channel.cancel(packet.processId, packet.secretKey);
      return null;
    }
    if (seen.has(packet.type)) throw new ProtocolError(`${packet.type} received twice`);
    seen.add(packet.type);
    const secureContext = channel.secureContext;
    if (packet.type === 'GSSENCRequest' || !secureContext) {
      channel.write(REFUSED);
      continue;
    }
    // Bytes sent before the handshake would be trusted as if they came over TLS (CVE-2021-23214).
    if (channel.inbox.hasPending) throw new ProtocolError('received unencrypted data after SSL request');
    channel.write(ACCEPTED);
    channel.upgradeToTls(secureContext);
  }
}

/**
 * Accepts protocol 3.x. We speak 3.0 only, so a newer minor version, or `_pq_.` protocol options, get
 * a NegotiateProtocolVersion naming 3.0 and the options we ignore; the client then carries on in 3.0.
 *
 * @throws ProtocolError (08P01) for any other major version.
 */
export function negotiateProtocolVersion(startup: StartupMessage, write: (bytes: Uint8Array) => void): void {
  const version = startup.protocolVersion;
  const major = version >>> 16;
  const minor = version & 0xffff;
  if (major !== 3)
    throw new ProtocolError(`unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`);
  const options = protocolOptionsIn(startup.parameters);
  if (minor !== 0 || options.length > 0)
    write(encodeNegotiateProtocolVersion(StartupCode.protocol30, options));
}
