// Turns a StartupMessage's parameters into what the session sees (StartupInfo) and what the server
// reports back (ParameterStatus values), and picks out the `_pq_.` protocol options we must name in a
// NegotiateProtocolVersion because we support none of them.
import type { StartupInfo } from './session-handler.js';

/** Prefix of protocol options (not run-time parameters) in a StartupMessage. */
const PROTOCOL_OPTION_PREFIX = '_pq_.';

/** The `_pq_.` options the client asked for. */
export function protocolOptionsIn(parameters: Readonly<Record<string, string>>): string[] {
  return Object.keys(parameters).filter((name) => name.startsWith(PROTOCOL_OPTION_PREFIX));
}

/** The session's view of the startup parameters; `user` must be present (checked by the caller). */
export function startupInfoFrom(
  parameters: Readonly<Record<string, string>>,
  remoteAddress: string,
): StartupInfo {
  const kept: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(parameters)) {
    if (!name.startsWith(PROTOCOL_OPTION_PREFIX)) kept[name] = value;
  }
  const user = parameters.user ?? '';
  return Object.freeze({
    user,
    database: parameters.database || user,
    applicationName: parameters.application_name ?? '',
    parameters: Object.freeze(kept),
    remoteAddress,
  });
}

/** ParameterStatus values for one session: server defaults and options, then the per-session ones. */
export function reportedParameters(
  server: Readonly<Record<string, string>>,
  startup: StartupInfo,
): [name: string, value: string][] {
  return Object.entries({
    ...server,
    application_name: startup.applicationName,
    session_authorization: startup.user,
  });
}
