import { MAX_INBOX_BATCH, type InboxEntry, type InboxStoreResult } from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { InboxStoreWaves } from './inbox-store-waves';
import { NOW, to } from './testing/processor-bed';

const entry = (deviceId: string, id: string): InboxEntry => ({
  target: to(deviceId),
  message: { id, payload: 1 },
  enqueuedAt: NOW,
  expiresAt: NOW + 60_000,
  storedAt: NOW,
  source: 'queued',
  attempts: 1,
});

/** An inbox recording each store call; answers `stored`, or `overflow` for the ids in `full`. */
function recordingInbox(fail = false) {
  const calls: string[][] = [];
  const full = new Set<string>();
  const inbox = {
    store: async (entries: InboxEntry[]): Promise<InboxStoreResult[]> => {
      calls.push(entries.map((e) => e.message.id));
      if (fail) throw new Error('registry down');
      return entries.map((e) => ({ outcome: full.has(e.message.id) ? 'overflow' : 'stored' }) as InboxStoreResult);
    },
  } as unknown as InboxClient;
  return { inbox, calls, full };
}

describe('InboxStoreWaves', () => {
  it('sends the stores of one turn as one call and gives each caller its own results', async () => {
    const { inbox, calls, full } = recordingInbox();
    full.add('b');
    const waves = new InboxStoreWaves(inbox);
    const answers = await Promise.all([
      waves.store([entry('tv-1', 'a')]),
      waves.store([entry('tv-2', 'b')]),
      waves.store([entry('tv-3', 'c')]),
    ]);
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(answers.map((r) => r.map((x) => x.outcome))).toEqual([['stored'], ['overflow'], ['stored']]);
  });

  it('never sends more than MAX_INBOX_BATCH entries in one call', async () => {
    const { inbox, calls } = recordingInbox();
    const waves = new InboxStoreWaves(inbox);
    await Promise.all(Array.from({ length: MAX_INBOX_BATCH + 5 }, (_, i) => waves.store([entry(`tv-${i}`, `m-${i}`)])));
    expect(calls.map((c) => c.length)).toEqual([MAX_INBOX_BATCH, 5]);
  });

  it('fails every store of a call that failed, so each message retries as after its own failure', async () => {
    const { inbox } = recordingInbox(true);
    const waves = new InboxStoreWaves(inbox);
    const settled = await Promise.allSettled([waves.store([entry('tv-1', 'a')]), waves.store([entry('tv-2', 'b')])]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });
});
