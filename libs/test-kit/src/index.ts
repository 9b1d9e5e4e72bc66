/**
 * @pushwire/test-kit — helpers for specs and test harnesses of every project (type:testing: lint
 * lets only specs, test helpers and tools import it). Runs in browsers and Node.
 */
export { rejectionOf } from './rejection-of';
export { waitFor, type WaitForOptions } from './wait-for';
