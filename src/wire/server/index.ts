// The PostgreSQL wire-protocol server: sockets, TLS, startup, authentication and the hand-off of
// decoded messages to the session (see session-handler.ts for the contract).
export type { ClientConnection } from './client-connection.js';
export type { SessionFactory, SessionHandler, StartupInfo, WireConnection } from './session-handler.js';
export { WireServer, type WireServerAddress } from './wire-server.js';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  defaultServerParameters,
  isLoopbackAddress,
  type WireAuthConfig,
  type WireServerOptions,
  type WireTlsConfig,
} from './wire-server-options.js';
