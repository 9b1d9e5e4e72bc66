/** Test helpers for event buses: the shared contract suites, and an inbox and gate for handlers. */
export { describeEventBusContract } from './contract';
export { describeEventLogContract, type BusLog } from './log-contract';
export { Deferred, Inbox, inHandCounter, raceTimeout } from './inbox';
