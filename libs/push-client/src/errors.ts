/** Why a direct push could not produce a delivery status. */
export type PushClientErrorCode =
  /** The message (id, ttl, priority, payload …) does not match the PushMessage schema. Never retriable. */
  | 'invalid_message'
  /** The registry could not be asked where the device is. Never reported as `not_connected`. */
  | 'registry_unavailable'
  /** The owning edge could not be reached (network error, timeout, 5xx), even after a fresh lookup. */
  | 'edge_unavailable';

/**
 * The one error `PushClient.send` rejects with. Like kafkajs errors it carries `retriable` (the same
 * call may succeed later) and the underlying `cause` (usually a ServiceCallError).
 */
export class PushClientError extends Error {
  override readonly name = 'PushClientError';
  constructor(
    readonly code: PushClientErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
