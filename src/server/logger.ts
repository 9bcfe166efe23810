/**
 * Structured logs with pino: JSON lines on stdout, one logger for the whole process.
 */
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'raffle' } });
}
