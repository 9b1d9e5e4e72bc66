/**
 * The backing store failed (timeout, throttling, connection refused, closed store). Always
 * retriable; the HTTP layer answers 503 `store_unavailable` — a failing store is never "not found".
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
