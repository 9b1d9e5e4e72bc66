/** Test helpers for event buses: the shared contract suite, and an inbox and gate for handlers. */
export { describeEventBusContract } from './contract';
export { Deferred, Inbox, inHandCounter, raceTimeout } from './inbox';
