import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger: JSON lines on stderr. `-quiet` raises the level to warn; CLUSTERDNS_LOG_LEVEL
 * overrides both (debug shows ignored manifest objects and watch details).
 */
export function createLogger(options: { quiet?: boolean } = {}): Logger {
  const level = process.env.CLUSTERDNS_LOG_LEVEL ?? (options.quiet ? 'warn' : 'info');
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests and tools that must stay silent. */
export const silentLogger: Logger = pino({ level: 'silent' });
