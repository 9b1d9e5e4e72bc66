import { describeInboxStoreContract } from '../testing';
import { MemoryInboxStore } from './memory-inbox-store';

describeInboxStoreContract(
  'MemoryInboxStore',
  async (clock, bounds) => new MemoryInboxStore({ now: clock.now, sweepIntervalMs: 0, ...bounds }),
);
