import { ErrorCodes, type ErrorCode } from './v1/codes';

/** What a PushwireError may carry besides its code and message. */
export interface PushwireErrorOptions {
  /** Whether the same operation may succeed later. Default: the catalogue's flag for the code (false for codes outside it). */
  retriable?: boolean;
  /** The error this one translates (a kafkajs or AWS SDK error, a socket error …); kept so logs show the whole chain. */
  cause?: unknown;
}

/**
 * The one base of every error a Pushwire library throws or rejects with (as kafkajs has
 * KafkaJSError and fastify its FST_ERR catalogue): a stable `code` a caller can switch on, a
 * `retriable` flag that decides whether anything retries it, and the `cause` it translates.
 *
 * `Code` defaults to the protocol's error catalogue (`ErrorCodes`); a library with codes of its own
 * (the device SDK's client-side codes, say) names its catalogue as the type parameter and passes
 * `retriable` itself for codes the protocol does not know.
 */
export class PushwireError<Code extends string = ErrorCode> extends Error {
  override readonly name: string = 'PushwireError';
  readonly code: Code;
  readonly retriable: boolean;

  constructor(code: Code, message: string, options: PushwireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? catalogueRetriable(code);
  }
}

/** The protocol catalogue's retriable flag for `code`; false for a code outside the catalogue. */
export function catalogueRetriable(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(ErrorCodes, code) ? ErrorCodes[code as ErrorCode].retriable : false;
}

/**
 * Whether `err` may pass on a later try: its own `retriable` flag when it has one (PushwireError,
 * kafkajs' errors, the AWS SDK's `$retryable`), false otherwise — an error nobody vouched for is
 * not retried blindly.
 */
export function isRetriable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const flagged = err as { retriable?: unknown; $retryable?: unknown };
  if (typeof flagged.retriable === 'boolean') return flagged.retriable;
  return typeof flagged.$retryable === 'object' && flagged.$retryable !== null;
}
