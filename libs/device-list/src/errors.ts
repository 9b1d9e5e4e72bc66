/** The backing store failed or timed out: the caller answers 503 `store_unavailable`, never "no devices". */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
