/** Structured logs (pino) to stderr, so stdout stays clean for tables and --json output. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'holocron'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}
