import pino, { type DestinationStream, type Logger } from 'pino';
import { traceLogMixin } from './tracing/log-mixin';

export type { Logger };

/**
 * Structured JSON logs (pino). Tokens and secrets are redacted wherever they appear in a logged
 * object, because URLs and headers end up in logs. An error logged under `err` keeps its type,
 * stack, code, `retriable` and the whole chain of causes (pino's `errWithCause` serializer), so log
 * the error object, never only its message. `destination` defaults to stdout (tests pass a stream).
 */
export function createLogger(service: string, level = process.env.PUSHWIRE_LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    serializers: { err: pino.stdSerializers.errWithCause },
    mixin: traceLogMixin,
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'serviceToken',
        '*.serviceToken',
        'serviceTokens',
        '*.serviceTokens',
        'senderTokens',
        '*.senderTokens',
        'edgeTokens',
        '*.edgeTokens',
        'jwtSecret',
        '*.jwtSecret',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything, for tests and embedded use where the caller logs. */
export const silentLogger = (): Logger => pino({ level: 'silent' });

/** How many message ids a log line about many messages names: enough to follow a few, never a kilobyte line. */
const MAX_LOGGED_IDS = 20;

/**
 * The ids of the messages a log line is about (`{ messageIds: messageIdsForLog(ids) }`): the first
 * 20, then how many more, so `grep <id>` finds the line of a batch that failed.
 */
export function messageIdsForLog(ids: Iterable<string>): string[] {
  const out: string[] = [];
  let more = 0;
  for (const id of ids)
    if (out.length < MAX_LOGGED_IDS) out.push(id);
    else more++;
  if (more) out.push(`…and ${more} more`);
  return out;
}
