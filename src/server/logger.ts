/**
 * Structured logs with pino: JSON lines on stdout, one logger for the whole process.
 *
 * Request logs (`LOG_REQUESTS`) carry the request headers, so the `Authorization` header (the
 * operators' `MANAGER_TOKEN`) is censored here, once, for every line any child logger writes.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths of log fields that may hold secrets. */
export const redactedLogPaths = ['req.headers.authorization', 'req.headers.cookie'];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'raffle' }, redact: redactedLogPaths };
  return destination === undefined ? pino(options) : pino(options, destination);
}
