/**
 * Test helpers for registry stores, the registry app and the inbox's users: the shared contract
 * suites, a hand-moved clock, fixtures, and the InboxClient of every spec (TestInboxClient).
 */
export { describeRegistryStoreContract } from './registry-store-contract';
export { describeInboxStoreContract } from './inbox-store-contract';
export { listenTestRegistry, testRegistration, testRegistryApp, type TestRegistrationOptions } from './fixtures';
export { ManualClock } from './manual-clock';
export { TestInboxClient, testInboxEntry, type InboxCallName } from './test-inbox-client';
