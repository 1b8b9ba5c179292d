// JSON logs (pino). One root logger; each part of the system takes a child with its `component`.
import { pino } from 'pino';

export type Logger = pino.Logger;

const level = process.env.SWITCHYARD_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');

/** The process-wide root logger: JSON lines on stdout, level from SWITCHYARD_LOG_LEVEL (default info). */
export const rootLogger: Logger = pino({ level, base: { service: 'switchyard' } });

/** A child logger for one component, e.g. `loggerFor('catalog')`. */
export function loggerFor(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ component, ...bindings });
}
