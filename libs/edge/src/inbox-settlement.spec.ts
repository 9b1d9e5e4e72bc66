import type { Delivery, DeliveryResult, DeliveryStatus, PushOutcomeRecord } from '@pushwire/protocol';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { InboxSettlement, settlingDeliverer, unpublishedOutcomes } from './inbox-settlement';
import { TestInboxClient, testInboxEntry } from '@pushwire/registry/testing';

const DEVICE = { accountId: 'acct', deviceId: 'tv' };
const NOW = 1_700_000_000_000;

const delivery = (id: string, inboxed = true): Delivery => ({ ...DEVICE, message: { id, payload: id }, ...(inboxed ? { inboxed } : {}) });
const result = (id: string, status: DeliveryStatus): DeliveryResult => ({ ...DEVICE, messageId: id, status, edgeId: 'edge-1' });

function settlementOver(inbox: TestInboxClient) {
  const published: PushOutcomeRecord[] = [];
  const removed: string[] = [];
  const settlement = new InboxSettlement(
    {
      edgeId: 'edge-1',
      inbox,
      outcomes: { publish: (r) => published.push(r), close: async () => undefined },
      logger: silentLogger(),
      now: () => NOW,
      onRemoved: (r) => removed.push(r),
    },
    { retryDelayMs: 1, maxRetryDelayMs: 1 },
  );
  return { settlement, published, removed };
}

describe('InboxSettlement', () => {
  it('takes delivered and acknowledged stored messages out in one batch and reports each final outcome once', async () => {
    const inbox = new TestInboxClient({ now: () => NOW }); // the entries' times are NOW's, so they live in the inbox's time
    const entries = ['a', 'b', 'c'].map((id) =>
      testInboxEntry(DEVICE, { id, payload: id }, { storedAt: NOW - 10_000, enqueuedAt: NOW - 20_000 }, NOW),
    );
    await inbox.store(entries);
    const { settlement, published, removed } = settlementOver(inbox);

    await Promise.all([
      settlement.settle(delivery('a'), result('a', 'delivered')),
      settlement.settle(delivery('b'), result('b', 'acknowledged')),
      settlement.settle(delivery('c'), result('c', 'ack_timeout')), // stays for the next connect
    ]);
    expect(inbox.calls.remove).toBe(1);
    expect(inbox.entries(DEVICE).map((e) => e.message.id)).toEqual(['c']);
    expect(published).toEqual([
      expect.objectContaining({
        messageId: 'a',
        status: 'delivered',
        edgeId: 'edge-1',
        latencyMs: 20_000,
        storedAt: NOW - 10_000,
        source: 'queued',
      }),
      expect.objectContaining({ messageId: 'b', status: 'acknowledged' }),
    ]);
    expect(removed).toEqual(['taken', 'taken']);
    await settlement.close();
  });

  it('reports nothing for a message someone else took first, and one removal for a message delivered twice at once', async () => {
    const inbox = new TestInboxClient();
    await inbox.store([testInboxEntry(DEVICE, { id: 'twice', payload: 1 })]);
    const { settlement, published, removed } = settlementOver(inbox);
    await Promise.all([
      settlement.settle(delivery('twice'), result('twice', 'delivered')),
      settlement.settle(delivery('twice'), result('twice', 'acknowledged')),
      settlement.settle(delivery('expired-and-swept'), result('expired-and-swept', 'delivered')),
    ]);
    expect(published.map((o) => [o.messageId, o.status])).toEqual([['twice', 'acknowledged']]);
    expect(removed).toEqual(['taken', 'gone']);
    await settlement.close();
  });

  it('keeps and retries removals while the registry is unreachable', async () => {
    const inbox = new TestInboxClient();
    await inbox.store([testInboxEntry(DEVICE, { id: 'm', payload: 1 })]);
    inbox.failing = 'unreachable';
    const { settlement, published } = settlementOver(inbox);
    const settled = settlement.settle(delivery('m'), result('m', 'delivered'));
    await waitFor(() => inbox.calls.remove >= 3, { what: 'three failed removals' });
    expect(settlement.backlog).toBe(1);
    inbox.failing = undefined;
    await settled;
    expect(published.map((o) => o.messageId)).toEqual(['m']);
    await settlement.close();
  });

  it('is handed inboxed deliveries only: plain ones pass through the deliverer untouched and synchronous', async () => {
    const inbox = new TestInboxClient();
    await inbox.store([testInboxEntry(DEVICE, { id: 'stored', payload: 1 }), testInboxEntry(DEVICE, { id: 'plain', payload: 1 })]);
    const { settlement, published } = settlementOver(inbox);
    const deliverer = settlingDeliverer({ deliver: (d) => result(d.message.id, 'delivered') }, settlement);
    expect(deliverer.deliver(delivery('plain', false))).toEqual(result('plain', 'delivered'));
    expect(deliverer.deliver(delivery('stored'))).toEqual(result('stored', 'delivered'));
    await settlement.close();
    expect(published.map((o) => o.messageId)).toEqual(['stored']);
    expect(inbox.entries(DEVICE).map((e) => e.message.id)).toEqual(['plain']);
  });

  it('counts every outcome an edge without a bus cannot report', () => {
    let unpublished = 0;
    const sink = unpublishedOutcomes(silentLogger(), () => unpublished++);
    const outcome = { messageId: 'm', status: 'delivered' } as PushOutcomeRecord;
    sink.publish(outcome);
    sink.publish(outcome);
    expect(unpublished).toBe(2);
  });
});
