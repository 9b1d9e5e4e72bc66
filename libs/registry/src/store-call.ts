import { ProtocolValidationError } from '@pushwire/protocol';
import { ServiceCallError } from '@pushwire/service-http';
import { StoreUnavailableError } from '@pushwire/service-kit';

/**
 * Runs one call of an in-process client on its store, translating its failure into the
 * ServiceCallError the HTTP client would give for the same call (503 store_unavailable, retriable
 * as the store said; 400 invalid_request; 500 internal), so callers handle one error type whichever
 * client they were given. `what` names the call in the message, e.g. `registry lookup`.
 */
export async function storeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StoreUnavailableError) {
      throw new ServiceCallError('store_unavailable', `${what}: store_unavailable: ${e.message}`, { status: 503, cause: e });
    }
    if (e instanceof ProtocolValidationError) {
      throw new ServiceCallError('invalid_request', `${what}: invalid_request: ${e.message}`, { status: 400, cause: e });
    }
    // As the HTTP API's 500 `internal`: retriable, like any unexpected server error.
    throw new ServiceCallError('internal', `${what} failed: ${(e as Error).message}`, { status: 500, cause: e });
  }
}
