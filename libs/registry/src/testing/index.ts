/** Test helpers for registry stores: the shared contract suite and a hand-moved clock. */
export { describeRegistryStoreContract } from './registry-store-contract';
export { ManualClock } from './manual-clock';
