import type { InboxEntry } from '@pushwire/protocol';
import type { JournalRecorder } from '@pushwire/service-kit';
import type { InboxStore } from './inbox-store';

/**
 * Wraps an inbox store so each message it stores, replaces, gives out after delivery or takes as
 * expired is recorded in the registry's journal (`stored`, `collapsed`, `removed`, `expired`): the
 * registry's part of a message's life for `pushctl trace`. Reads and failures record nothing.
 */
export function journaledInbox(inbox: InboxStore, journal: JournalRecorder): InboxStore {
  return {
    store: async (entries) => {
      const results = await inbox.store(entries);
      results.forEach((r, i) => {
        const entry = entries[i]!;
        if (r.outcome === 'stored')
          journal.record('stored', r.messageId, entry.target, { expiresAt: new Date(entry.expiresAt).toISOString(), source: entry.source });
        if (r.replaced) journal.record('collapsed', r.replaced.message.id, r.replaced.target, { replacedBy: r.messageId });
      });
      return results;
    },
    pending: (devices) => inbox.pending(devices),
    remove: async (items) => {
      const results = await inbox.remove(items);
      for (const r of results)
        if (r.entry) journal.record('removed', r.entry.message.id, r.entry.target, { afterMs: sinceStored(r.entry) });
      return results;
    },
    takeExpired: async (limit) => {
      const entries = await inbox.takeExpired(limit);
      for (const e of entries) journal.record('expired', e.message.id, e.target, { reason: 'ttl_in_inbox' });
      return entries;
    },
    close: () => inbox.close(),
  };
}

/** How long an entry waited in the inbox. */
const sinceStored = (entry: InboxEntry): number => Math.max(0, Date.now() - entry.storedAt);
