import { PushwireError } from '@pushwire/protocol';
import { ServiceCallError } from '@pushwire/service-http';

/** Why a push could not produce a delivery status (direct) or get onto the event bus (indirect). */
export type PushClientErrorCode =
  /** The message or its target (id, ttl, priority, payload, device or account id, collapse key …) does not match the protocol schema. Never retriable. */
  | 'invalid_message'
  /** The registry could not be asked where the device is. Never reported as `not_connected`. */
  | 'registry_unavailable'
  /** The owning edge could not be reached (network error, timeout, 5xx), even after a fresh lookup. */
  | 'edge_unavailable'
  /** Indirect push: the event bus did not take the records (broker down, topic missing …). Retriable unless the bus says otherwise. */
  | 'unavailable'
  /** The call needs an option the client was built without (`enqueue` without `bus`). Never retriable. */
  | 'not_configured';

/**
 * The one error `PushClient` rejects with: a PushwireError whose codes are the client's own (its
 * API, next to the protocol's catalogue). Like kafkajs errors it carries `retriable` (the same call
 * may succeed later) and the underlying `cause` (a ServiceCallError, an EventBusError …).
 */
export class PushClientError extends PushwireError<PushClientErrorCode> {
  override readonly name = 'PushClientError';
  constructor(code: PushClientErrorCode, message: string, retriable: boolean, options: { cause?: unknown } = {}) {
    super(code, message, { retriable, cause: options.cause });
  }
}

/** A failed registry call: retriable as the HTTP client judged it (anything else, e.g. a network error, is). */
export function registryUnavailable(what: string, e: unknown): PushClientError {
  const retriable = e instanceof ServiceCallError ? e.retriable : true;
  return new PushClientError('registry_unavailable', `${what} failed: ${(e as Error).message ?? String(e)}`, retriable, { cause: e });
}
