import { MemoryEventBus, type BusMessage } from '@pushwire/event-bus';
import { Inbox } from '@pushwire/event-bus/testing';
import { Topics, type DeviceConnectionEvent } from '@pushwire/protocol';
import { silentLogger } from '@pushwire/service-kit';
import { ConnectionEventPublisher, type ConnectionEventPublisherOptions } from './connection-events';

// ConnectionEventPublisher on the real in-memory bus, read back by a consumer group as the device
// list reads it. The bus is wrapped so that a test can make publishes fail and see each attempt.

jest.setTimeout(15_000);

/** The memory bus, recording every publish attempt; the first `failNext` attempts reject. */
class FlakyBus extends MemoryEventBus {
  readonly attempts: { ok: boolean; keys: string[]; ids: string[] }[] = [];
  failNext = 0;

  override async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    const ids = messages.map((m) => (JSON.parse(m.value) as DeviceConnectionEvent).deviceId);
    const ok = this.failNext === 0;
    this.attempts.push({ ok, keys: messages.map((m) => m.key), ids });
    if (!ok) {
      this.failNext--;
      throw new Error('broker unreachable');
    }
    await super.publish(topic, messages);
  }
}

/** Event n of an account: device `<account>-d<n>` connected at n ms (ids tell the order). */
const event = (accountId: string, n: number): DeviceConnectionEvent => ({
  v: 1,
  kind: 'connected',
  accountId,
  deviceId: `${accountId}-d${n}`,
  deviceType: 'tv',
  connectionId: `c${n}`,
  connectedAt: n,
  edgeId: 'edge-1',
  edgeUrl: 'http://127.0.0.1:8081',
  at: n,
});

describe('ConnectionEventPublisher', () => {
  let bus: FlakyBus;
  let inbox: Inbox;
  let publisher: ConnectionEventPublisher;
  const errors: unknown[] = [];
  const dropped: number[] = [];

  const start = (opts: ConnectionEventPublisherOptions = {}) => {
    publisher = new ConnectionEventPublisher(bus, silentLogger(), {
      onError: (err) => errors.push(err),
      onDropped: (n) => dropped.push(n),
      ...opts,
    });
  };
  /** Device ids consumed, per account key, in consumed order. */
  const consumedByAccount = () => {
    const out: Record<string, string[]> = {};
    for (const r of inbox.records) (out[r.key!] ??= []).push((JSON.parse(r.value) as DeviceConnectionEvent).deviceId);
    return out;
  };

  beforeEach(async () => {
    errors.length = 0;
    dropped.length = 0;
    bus = new FlakyBus();
    await bus.ensureTopics([{ name: Topics.deviceConnections, partitions: 3 }]);
    inbox = new Inbox();
    await bus.subscribe({ groupId: 'device-list', topics: [Topics.deviceConnections], handler: inbox.handler, partitionsConcurrently: 3 });
  });

  afterEach(async () => {
    await publisher.close();
    await bus.close();
  });

  it('publishes the events of one flush window in one publish, keyed by account, in order per account', async () => {
    start({ flushDelayMs: 5 });
    const accounts = ['acct-a', 'acct-b', 'acct-c'];
    for (let n = 1; n <= 10; n++) for (const a of accounts) publisher.publish(event(a, n));
    expect(publisher.backlog).toBe(30);

    await inbox.until(30);
    expect(bus.attempts).toHaveLength(1);
    expect(bus.attempts[0]!.keys).toEqual(Array.from({ length: 10 }, () => accounts).flat());
    const ids = (a: string) => Array.from({ length: 10 }, (_, i) => `${a}-d${i + 1}`);
    expect(consumedByAccount()).toEqual({ 'acct-a': ids('acct-a'), 'acct-b': ids('acct-b'), 'acct-c': ids('acct-c') });
    expect(publisher.backlog).toBe(0);
    expect(errors).toEqual([]);
  });

  it('splits a large backlog into batches of maxBatch, in order', async () => {
    start({ flushDelayMs: 5, maxBatch: 4 });
    for (let n = 1; n <= 10; n++) publisher.publish(event('acct-a', n));

    await inbox.until(10);
    expect(bus.attempts.map((a) => a.ids.length)).toEqual([4, 4, 2]);
    expect(consumedByAccount()['acct-a']).toEqual(Array.from({ length: 10 }, (_, i) => `acct-a-d${i + 1}`));
  });

  it('retries after failing publishes, with what failed first and what came meanwhile after it', async () => {
    bus.failNext = 2;
    start({ flushDelayMs: 5 });
    publisher.publish(event('acct-a', 1));
    publisher.publish(event('acct-b', 1));
    publisher.publish(event('acct-a', 2));
    await publisher.flush(); // fails
    publisher.publish(event('acct-a', 3));
    publisher.publish(event('acct-b', 2));

    // No flush by hand from here: the backoff timer retries until the bus takes the events.
    await inbox.until(5);
    expect(bus.attempts.map((a) => a.ok)).toEqual([false, false, true]);
    expect(bus.attempts[0]!.ids).toEqual(['acct-a-d1', 'acct-b-d1', 'acct-a-d2']);
    expect(bus.attempts[2]!.ids).toEqual(['acct-a-d1', 'acct-b-d1', 'acct-a-d2', 'acct-a-d3', 'acct-b-d2']);
    expect(consumedByAccount()).toEqual({ 'acct-a': ['acct-a-d1', 'acct-a-d2', 'acct-a-d3'], 'acct-b': ['acct-b-d1', 'acct-b-d2'] });
    expect(errors).toHaveLength(2);
    expect(publisher.backlog).toBe(0);
  });

  it('keeps at most maxBuffered events while the bus is down, dropping the oldest and reporting how many', async () => {
    bus.failNext = 1;
    start({ flushDelayMs: 60_000, maxBuffered: 5 });
    for (let n = 1; n <= 3; n++) publisher.publish(event('acct-a', n));
    await publisher.flush(); // fails: the 3 events are kept
    expect(publisher.backlog).toBe(3);
    for (let n = 4; n <= 8; n++) publisher.publish(event('acct-a', n));

    expect(dropped).toEqual([1, 1, 1]);
    expect(publisher.backlog).toBe(5);
    await publisher.flush(); // the bus is back
    await inbox.until(5);
    expect(consumedByAccount()).toEqual({ 'acct-a': ['acct-a-d4', 'acct-a-d5', 'acct-a-d6', 'acct-a-d7', 'acct-a-d8'] });
  });

  it('sends everything buffered when closed, in as many batches as it takes', async () => {
    start({ flushDelayMs: 60_000, maxBatch: 2 });
    for (let n = 1; n <= 5; n++) publisher.publish(event('acct-a', n));
    await publisher.close();

    expect(bus.attempts.map((a) => [a.ok, ...a.ids])).toEqual([
      [true, 'acct-a-d1', 'acct-a-d2'],
      [true, 'acct-a-d3', 'acct-a-d4'],
      [true, 'acct-a-d5'],
    ]);
    await inbox.until(5);
    expect(consumedByAccount()['acct-a']).toEqual(['acct-a-d1', 'acct-a-d2', 'acct-a-d3', 'acct-a-d4', 'acct-a-d5']);
    expect(publisher.backlog).toBe(0);
  });

  it('makes one last attempt when closed while the bus is down, and none after', async () => {
    bus.failNext = 100;
    start({ flushDelayMs: 60_000, maxBatch: 2 });
    for (let n = 1; n <= 5; n++) publisher.publish(event('acct-a', n));
    await publisher.close();

    expect(bus.attempts.map((a) => a.ok)).toEqual([false]);
    expect(publisher.backlog).toBe(5);
    // Closed: a later event is not published by a timer. Fake timers from here on, advanced past the
    // flush delay and any retry backoff, so a timer the publish might set would have fired.
    jest.useFakeTimers();
    try {
      publisher.publish(event('acct-a', 6));
      await jest.advanceTimersByTimeAsync(120_000);
    } finally {
      jest.useRealTimers();
    }
    expect(bus.attempts).toHaveLength(1);
  });
});
