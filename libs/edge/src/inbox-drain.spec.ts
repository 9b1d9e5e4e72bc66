import type { Delivery, DeliveryResult, DeliveryStatus, Registration } from '@pushwire/protocol';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import type { Connection } from './connection';
import { InboxDrain } from './inbox-drain';
import { TestInboxClient, testInboxEntry } from '@pushwire/registry/testing';
import { fakeWebSocketConnection } from './testing';

const DEVICE = { accountId: 'acct', deviceId: 'tv' };

const registration = (c: Connection): Registration => ({
  ...DEVICE,
  deviceType: 'tv',
  edgeId: 'e',
  edgeUrl: 'http://e',
  connectionId: c.connectionId,
  connectedAt: 1,
  expiresAt: 2,
});

/** A drain over a TestInboxClient whose deliverer records deliveries and answers `status` (or a promise of it). */
function drainWith(opts: { status?: (d: Delivery) => DeliveryStatus | Promise<DeliveryStatus> } = {}) {
  const inbox = new TestInboxClient();
  const connections = new Map<string, Connection>();
  const delivered: Delivery[] = [];
  const settled: string[] = [];
  const drain = new InboxDrain(
    {
      inbox,
      connectionOf: (_a, deviceId) => connections.get(deviceId),
      deliverer: {
        deliver: (d) => {
          delivered.push(d);
          const answer = (status: DeliveryStatus): DeliveryResult => ({ ...DEVICE, messageId: d.message.id, status, edgeId: 'e' });
          const status = opts.status?.(d) ?? 'delivered';
          return status instanceof Promise ? status.then(answer) : answer(status);
        },
      },
      settlement: {
        settle: async (d, result) => {
          if (result.status === 'delivered') {
            settled.push(d.message.id);
            await inbox.remove([{ ...DEVICE, messageId: d.message.id }]);
          }
        },
      },
      logger: silentLogger(),
    },
    { retryDelayMs: 1, maxRetryDelayMs: 1 },
  );
  const connect = (connectionId: string) => {
    const { c } = fakeWebSocketConnection(DEVICE.deviceId, { accountId: DEVICE.accountId, connectionId });
    connections.set(DEVICE.deviceId, c);
    return c;
  };
  const store = (ids: string[]) => inbox.store(ids.map((id, i) => testInboxEntry(DEVICE, { id, payload: id }, { storedAt: 1000 + i })));
  return { drain, inbox, delivered, settled, connect, store };
}

describe('InboxDrain', () => {
  it('delivers the inbox to the confirmed connection, fenced by its connection id, as inboxed deliveries', async () => {
    const t = drainWith();
    await t.store(['m1', 'm2']);
    const c = t.connect('c1');
    t.drain.registered([registration(c)]);
    await waitFor(() => t.settled.length === 2, { what: 'both settled' });
    expect(t.delivered.map((d) => [d.message.id, d.connectionId, d.inboxed])).toEqual([
      ['m1', 'c1', true],
      ['m2', 'c1', true],
    ]);
    await t.drain.close();
  });

  it('reads nothing for a registration whose connection was replaced before the registry confirmed it', async () => {
    const t = drainWith();
    await t.store(['m1']);
    const old = t.connect('c-old');
    t.connect('c-new');
    t.drain.registered([registration(old)]);
    await t.drain.close();
    expect(t.inbox.calls.pending).toBe(0);
    expect(t.delivered).toEqual([]);
  });

  it('reads on while the inbox has more, without repeating what this connection was sent (entries an ack wait left in it)', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const t = drainWith({ status: (d) => (d.message.id < 'm10' ? 'ack_timeout' : 'delivered') });
    await t.store(ids);
    t.drain.registered([registration(t.connect('c1'))]);
    // Read 1: m00–m24 (m00–m09 stay); read 2: m00–m09 (skipped) and m25–m39; read 3: the rest.
    await waitFor(() => t.settled.length === 40, { what: 'all but the unacknowledged delivered' });
    expect(t.delivered.map((d) => d.message.id)).toEqual(ids);
    expect(t.inbox.calls.pending).toBe(3);
    await t.drain.close();
  });

  it('stops reading when a page brings nothing new, instead of reading the same page again and again', async () => {
    const t = drainWith({ status: () => 'ack_timeout' });
    await t.store(Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}`));
    t.drain.registered([registration(t.connect('c1'))]);
    await waitFor(() => t.inbox.calls.pending === 2 && t.drain.backlog === 0, { what: 'a second read that brings nothing new' });
    await t.drain.close();
    expect(t.inbox.calls.pending).toBe(2);
    // Known limit: the 5 behind 25 unacknowledged ones wait for the next connect (a read has no cursor).
    expect(t.delivered).toHaveLength(25);
  });

  it('retries a page the device pushed back on, after the backpressure delay', async () => {
    jest.useFakeTimers();
    try {
      let slow = true;
      const t = drainWith({ status: () => (slow ? 'backpressure' : 'delivered') });
      await t.store(['m1']);
      const c = t.connect('c1');
      t.drain.registered([registration(c)]);
      await jest.advanceTimersByTimeAsync(10);
      expect(t.delivered).toHaveLength(1);
      slow = false;
      await jest.advanceTimersByTimeAsync(1100);
      expect(t.settled).toEqual(['m1']);
      await t.drain.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps a device to read while the registry is unreachable, and reads it when it answers', async () => {
    const t = drainWith();
    await t.store(['m1']);
    t.inbox.failing = 'unreachable';
    const c = t.connect('c1');
    t.drain.registered([registration(c)]);
    await waitFor(() => t.inbox.calls.pending >= 2, { what: 'failed reads' });
    t.inbox.failing = undefined;
    await waitFor(() => t.settled.length === 1, { what: 'delivered once back' });
    await t.drain.close();
  });
});
