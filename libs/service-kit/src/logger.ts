import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). Tokens and secrets are redacted wherever they appear in a logged
 * object, because URLs and headers end up in logs.
 */
export function createLogger(service: string, level = process.env.PUSHWIRE_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'serviceToken',
        '*.serviceToken',
        'jwtSecret',
        '*.jwtSecret',
      ],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything, for tests and embedded use where the caller logs. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
