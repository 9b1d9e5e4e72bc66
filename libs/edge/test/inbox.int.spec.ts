import { MemoryEventBus } from '@pushwire/event-bus';
import { Inbox as OutcomeTail } from '@pushwire/event-bus/testing';
import { Topics, type DeviceRef, type PushMessage, type PushOutcomeRecord } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import { TestInboxClient, testInboxEntry } from '@pushwire/registry/testing';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { deliver, RawDevice } from './raw-device';

// A real edge on real sockets, with a TestInboxClient (the registry's inbox in memory) for /v1/inbox and an in-memory bus
// for the outcomes topic: what a device and the outcome consumer see of stored messages.

const msg = (id: string, over: Partial<PushMessage> = {}): PushMessage => ({
  id,
  payload: { n: id },
  createdAt: Date.now(),
  ttlSeconds: 3600,
  ...over,
});

describe('edge: stored messages delivered on connect', () => {
  let t: TestEdge;
  let inbox: TestInboxClient;
  let bus: MemoryEventBus;
  let outcomes: OutcomeTail;
  let seq = 0;
  const open: RawDevice[] = [];

  beforeAll(async () => {
    inbox = new TestInboxClient();
    bus = new MemoryEventBus();
    outcomes = new OutcomeTail();
    // The processor creates the outcomes topic in a cluster; the edge only publishes to it.
    await bus.ensureTopics([{ name: Topics.pushOutcomes, partitions: 2 }]);
    await bus.subscribe({ groupId: 'outcome-tail', topics: [Topics.pushOutcomes], handler: outcomes.handler });
    t = await startTestEdge({ ackTimeoutMs: 300 }, { inbox, eventBus: bus });
  });
  afterAll(async () => {
    for (const d of open) d.close();
    await t.stop();
    await bus.close();
  });

  /** A fresh device of account `acct`. */
  const device = (): DeviceRef => ({ accountId: 'acct', deviceId: `tv-${++seq}` });
  const connect = async (d: DeviceRef) => {
    const raw = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token(d.accountId, d.deviceId)}`);
    open.push(raw);
    return raw;
  };
  const metricsText = async () => (await fetch(`${t.internalUrl}/metrics`)).text();
  const outcomesOf = (messageIds: string[]) =>
    outcomes.values.map((v) => JSON.parse(v) as PushOutcomeRecord).filter((o) => messageIds.includes(o.messageId));

  it('delivers a device its stored messages in order right after welcome, takes them out and reports them delivered', async () => {
    const d = device();
    const storedAt = Date.now() - 5000;
    const entries = ['m1', 'm2', 'm3'].map((id, i) =>
      testInboxEntry(d, msg(`${d.deviceId}-${id}`), { storedAt: storedAt + i, enqueuedAt: storedAt - 100 }),
    );
    await inbox.store(entries);

    const raw = await connect(d);
    await raw.next('welcome');
    const pushes = [await raw.next('push'), await raw.next('push'), await raw.next('push')];
    expect(pushes.map((p) => p.id)).toEqual(entries.map((e) => e.message.id));
    expect(pushes[0]!.payload).toEqual(entries[0]!.message.payload);

    await waitFor(() => inbox.entries(d).length === 0, { timeoutMs: 3000, what: 'the inbox emptied' });
    const ids = entries.map((e) => e.message.id);
    await waitFor(() => outcomesOf(ids).length === 3, { timeoutMs: 3000, what: 'three outcomes' });
    expect(outcomesOf(ids)).toEqual(
      entries.map((e) =>
        expect.objectContaining({
          messageId: e.message.id,
          target: d,
          status: 'delivered',
          storedAt: e.storedAt,
          source: 'queued',
          edgeId: t.edge.edgeId,
        }),
      ),
    );
  });

  it('keeps a stored message that asks for an ack until the device acks it, and reports it acknowledged', async () => {
    const d = device();
    const [acked, ignored] = [msg(`${d.deviceId}-acked`, { ackRequired: true }), msg(`${d.deviceId}-ignored`, { ackRequired: true })];
    await inbox.store([testInboxEntry(d, acked), testInboxEntry(d, ignored, { storedAt: Date.now() + 1 })]);

    const raw = await connect(d);
    expect((await raw.next('push')).id).toBe(acked.id);
    expect((await raw.next('push')).id).toBe(ignored.id);
    expect(inbox.entries(d)).toHaveLength(2); // delivered, but not acknowledged yet
    raw.send({ type: 'ack', id: acked.id });

    await waitFor(() => outcomesOf([acked.id]).length === 1, { timeoutMs: 3000, what: 'the acknowledged outcome' });
    expect(outcomesOf([acked.id])[0]).toMatchObject({ status: 'acknowledged' });
    // The other one's ack wait times out (300 ms): it stays stored for the next connect, with no outcome.
    await waitFor(() => inbox.entries(d).length === 1, { timeoutMs: 3000, what: 'the acked one removed' });
    expect(inbox.entries(d)[0]!.message.id).toBe(ignored.id);
    await waitFor(async () => /pushwire_edge_inbox_deliveries_total\{status="ack_timeout"[^}]*\} 1\b/.test(await metricsText()), {
      timeoutMs: 3000,
      what: `the ack wait to time out`,
    });
    expect(outcomesOf([ignored.id])).toEqual([]);
    expect(inbox.entries(d)).toHaveLength(1);
  });

  it('pages through a full inbox (more than one read) in order, with no repeats', async () => {
    const d = device();
    const now = Date.now();
    const entries = Array.from({ length: 60 }, (_, i) => testInboxEntry(d, msg(`${d.deviceId}-p${i}`), { storedAt: now + i }));
    await inbox.store(entries);
    const raw = await connect(d);
    const got: string[] = [];
    for (let i = 0; i < 60; i++) got.push((await raw.next('push')).id);
    expect(got).toEqual(entries.map((e) => e.message.id));
    await waitFor(() => inbox.entries(d).length === 0, { timeoutMs: 3000, what: 'the inbox emptied' });
    expect(raw.frames.filter((f) => f.type === 'push')).toEqual([]);
  });

  it('reads the inbox again, with backoff, when the registry could not answer at connect', async () => {
    const d = device();
    const entry = testInboxEntry(d, msg(`${d.deviceId}-late`));
    await inbox.store([entry]);
    inbox.failing = 'unreachable';
    const raw = await connect(d);
    await raw.next('welcome');
    const failedReads = inbox.calls.pending;
    await waitFor(() => inbox.calls.pending > failedReads, { timeoutMs: 3000, what: 'a failed read' });
    inbox.failing = undefined;
    expect((await raw.next('push', 10_000)).id).toBe(entry.message.id);
  });

  it("settles a sender's inboxed delivery: removed and reported once, however many deliver it", async () => {
    const d = device();
    const entry = testInboxEntry(d, msg(`${d.deviceId}-raced`));
    const raw = await connect(d);
    await raw.next('welcome');
    await waitFor(async () => (await t.registry.lookup([d])).registrations.length === 1, { timeoutMs: 3000, what: 'registered' });
    // Stored after the edge read the (empty) inbox: the sender's fresh lookup found the device.
    await inbox.store([entry]);
    const delivery = { ...d, message: entry.message, inboxed: true };
    expect((await deliver(t.internalUrl, TEST_SERVICE_TOKEN, delivery)).body.status).toBe('delivered');
    expect((await raw.next('push')).id).toBe(entry.message.id);
    await waitFor(() => outcomesOf([entry.message.id]).length === 1, { timeoutMs: 3000, what: 'the outcome' });
    expect(inbox.entries(d)).toEqual([]);

    // Another sender's retry of the same stored message: the device gets it again (it de-duplicates),
    // the removal finds it gone, and nobody reports a second outcome.
    expect((await deliver(t.internalUrl, TEST_SERVICE_TOKEN, delivery)).body.status).toBe('delivered');
    await waitFor(async () => /pushwire_edge_inbox_removals_total\{result="gone"[^}]*\} 1\b/.test(await metricsText()), {
      timeoutMs: 3000,
      what: 'the second removal answered',
    });
    expect(outcomesOf([entry.message.id])).toHaveLength(1);
  });
});
