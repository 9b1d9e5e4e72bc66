/** Test helpers for registry stores and the registry app: the shared contract suites, a hand-moved clock, fixtures. */
export { describeRegistryStoreContract } from './registry-store-contract';
export { describeInboxStoreContract } from './inbox-store-contract';
export { listenTestRegistry, testRegistration, testRegistryApp, type TestRegistrationOptions } from './fixtures';
export { ManualClock } from './manual-clock';
