import type { DeviceRef, InboxEntry, InboxRemoveItem } from '@pushwire/protocol';
import { Counter, type Registry } from '@pushwire/service-kit';
import type { InboxStore } from '../inbox/inbox-store';
import { storeTimer, type RegistryMetrics } from './registry-metrics';

/** The inbox's metrics, beside the registry's on the same prom-client registry. */
export interface InboxMetrics {
  readonly storeOutcomes: Counter<'outcome'>;
  readonly collapsed: Counter;
  readonly removes: Counter<'result'>;
  readonly expiredTaken: Counter;
  readonly readEntries: Counter;
}

/** Creates the inbox metrics on `registry` (names start with `pushwire_registry_inbox_`). */
export function createInboxMetrics(registry: Registry): InboxMetrics {
  const registers = [registry];
  return {
    storeOutcomes: new Counter({
      name: 'pushwire_registry_inbox_store_outcomes_total',
      help: 'Inbox entries stored, by outcome (stored, duplicate, overflow, expired).',
      labelNames: ['outcome'],
      registers,
    }),
    collapsed: new Counter({
      name: 'pushwire_registry_inbox_collapsed_total',
      help: 'Pending inbox entries replaced by a newer one with the same collapse key.',
      registers,
    }),
    removes: new Counter({
      name: 'pushwire_registry_inbox_removes_total',
      help: 'Inbox removals, by result: taken (this call took the entry) or absent (taken before, or never there).',
      labelNames: ['result'],
      registers,
    }),
    expiredTaken: new Counter({
      name: 'pushwire_registry_inbox_expired_taken_total',
      help: 'Expired inbox entries taken by the expiry sweep.',
      registers,
    }),
    readEntries: new Counter({
      name: 'pushwire_registry_inbox_read_entries_total',
      help: 'Inbox entries returned by pending reads.',
      registers,
    }),
  };
}

/** Wraps an inbox store so every operation is timed (operation `inbox.<name>`), every failure and outcome counted. */
export function instrumentInbox(
  inbox: InboxStore,
  metrics: InboxMetrics & Pick<RegistryMetrics, 'storeDuration' | 'storeErrors'>,
): InboxStore {
  const timed = storeTimer(metrics);
  return {
    store: async (entries: InboxEntry[]) => {
      const results = await timed('inbox.store', () => inbox.store(entries));
      for (const r of results) {
        metrics.storeOutcomes.inc({ outcome: r.outcome });
        if (r.replaced) metrics.collapsed.inc();
      }
      return results;
    },
    pending: async (devices: DeviceRef[]) => {
      const inboxes = await timed('inbox.pending', () => inbox.pending(devices));
      metrics.readEntries.inc(inboxes.reduce((n, i) => n + i.entries.length, 0));
      return inboxes;
    },
    remove: async (items: InboxRemoveItem[]) => {
      const results = await timed('inbox.remove', () => inbox.remove(items));
      const taken = results.filter((r) => r.entry !== undefined).length;
      metrics.removes.inc({ result: 'taken' }, taken);
      metrics.removes.inc({ result: 'absent' }, results.length - taken);
      return results;
    },
    takeExpired: async (limit: number) => {
      const entries = await timed('inbox.takeExpired', () => inbox.takeExpired(limit));
      metrics.expiredTaken.inc(entries.length);
      return entries;
    },
    close: () => inbox.close(),
  };
}
