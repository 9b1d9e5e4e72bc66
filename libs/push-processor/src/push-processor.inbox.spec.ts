import { Topics } from '@pushwire/protocol';
import { TestInboxClient } from '@pushwire/registry/testing';
import { ServiceCallError } from '@pushwire/service-http';
import { waitFor } from '@pushwire/test-kit';
import { EXPIRED_IN_INBOX } from './expiry-sweep';
import { AGE, answer, byId, keyOf, newProcessor, NOW, request, runCleanups, setup, to } from './testing/processor-bed';

// The inbox lifecycle of a queued message (docs/architecture.md, "Inbox"), on the real
// PushProcessor and in-memory bus with a scripted delivery port and an in-memory InboxClient that
// honours the contract: stored at once for an offline device and after quick attempts for a
// transient status (then a race-closure delivery marked inboxed), collapsed / overflow / duplicate
// as the inbox answers, TTL-bounded retries while even the inbox is down, the expiry sweep.

jest.setTimeout(15_000);
afterEach(runCleanups);

/** A bed on a clock the processor's waits advance, whose inbox answers 503 until `backAfterMs` past NOW. */
async function outageBed(backAfterMs: number) {
  let clock = NOW;
  const inbox = new TestInboxClient({ now: () => clock });
  inbox.failing = 'store_unavailable';
  const bed = await setup({
    inbox,
    now: () => clock,
    retry: { quickAttempts: 1, baseDelayMs: 100, maxDelayMs: 1000 },
    sleep: async (ms) => {
      clock += ms;
      if (clock > NOW + backAfterMs) inbox.failing = undefined;
    },
  });
  return { bed, inbox };
}

describe('PushProcessor and the inbox', () => {
  it("retries gone, unavailable and backpressure a few times, stores an offline device's message at once (stored, not final), and ends on a final status at once", async () => {
    const bed = await setup();
    bed.delivery
      .script('after-gone', answer('gone'), answer('delivered'))
      .script('after-two', answer('unavailable', { edgeId: undefined }), answer('backpressure', { retryAfterMs: 15 }), answer('delivered'))
      .script('offline', answer('not_connected', { edgeId: undefined, detail: undefined }))
      .script('bad', answer('rejected'));
    const offline = request('tv-3', 'offline', { ttlSeconds: 600 });
    await bed.publish('high', request('tv-1', 'after-gone'), request('tv-2', 'after-two'), offline, request('tv-4', 'bad'));
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    const o = byId(outcomes);
    expect(o.get('after-gone')).toMatchObject({ status: 'delivered', attempts: 2, edgeId: 'edge-1' });
    expect(o.get('after-two')).toMatchObject({ status: 'delivered', attempts: 3, edgeId: 'edge-1' });
    expect(o.get('offline')).toEqual({
      v: 1,
      messageId: 'offline',
      target: to('tv-3'),
      priority: 'high',
      status: 'stored',
      attempts: 1,
      latencyMs: AGE,
      enqueuedAt: NOW - AGE,
      completedAt: NOW,
      storedAt: NOW,
      source: 'queued',
    });
    expect(o.get('bad')).toMatchObject({ status: 'rejected', attempts: 1, detail: 'scripted rejected' });
    // Offline: one attempt, then the race-closure delivery after storing (marked inboxed).
    expect(['after-gone', 'after-two', 'offline', 'bad'].map((id) => bed.delivery.attemptsOf(id))).toEqual([2, 3, 2, 1]);
    expect(bed.delivery.inboxedCalls()).toEqual(['offline']);
    expect(outcomes).toHaveLength(4);
    expect(deadLetters).toEqual([]);
    // The inbox holds everything a later delivery needs; its TTL runs from createdAt.
    expect(bed.inbox.entries()).toEqual([
      {
        target: to('tv-3'),
        message: { id: 'offline', payload: { id: 'offline' }, priority: 'high', createdAt: NOW - AGE, ttlSeconds: 600 },
        enqueuedAt: NOW - AGE,
        expiresAt: NOW - AGE + 600_000,
        storedAt: NOW,
        source: 'queued',
        attempts: 1,
      },
    ]);
  });

  it('stores a message still gone, backpressured or unavailable after its quick attempts, instead of dead-lettering it', async () => {
    const bed = await setup({ retry: { quickAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    bed.delivery
      .script('stale', answer('gone'))
      .script('full', answer('backpressure', { retryAfterMs: 10 }))
      .script('down', answer('unavailable', { edgeId: undefined, detail: 'UNAVAILABLE: edge down' }));
    await bed.publish('low', request('tv-1', 'fine'), request('tv-2', 'stale'), request('tv-3', 'full'), request('tv-4', 'down'));
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    const o = byId(outcomes);
    expect(o.get('fine')).toMatchObject({ status: 'delivered', attempts: 1 });
    for (const id of ['stale', 'full', 'down']) {
      expect(o.get(id)).toMatchObject({ status: 'stored', attempts: 3, storedAt: NOW, source: 'queued' });
      // Three quick attempts, then one race-closure delivery once it is stored.
      expect(bed.delivery.attemptsOf(id)).toBe(4);
    }
    expect(bed.inbox.entries().map((e) => [e.message.id, e.attempts])).toEqual([
      ['stale', 3],
      ['full', 3],
      ['down', 3],
    ]);
    expect(deadLetters).toEqual([]);
  });

  it('ends a stored message replaced by a newer one with its collapse key as collapsed, and one the full inbox refuses as overflow', async () => {
    const inbox = new TestInboxClient({ now: () => NOW, maxMessages: 2 });
    const bed = await setup({ inbox });
    for (const id of ['score-1', 'score-2', 'chat-1', 'chat-2']) bed.delivery.script(id, answer('not_connected', { edgeId: undefined }));
    // Two batches, so the in-batch collapse does not apply: the inbox's collapse does.
    await bed.start();
    await bed.publish('normal', request('tv-1', 'score-1', { collapseKey: 'score' }));
    await bed.settled();
    await bed.publish('normal', request('tv-1', 'score-2', { collapseKey: 'score' }), request('tv-1', 'chat-1'), request('tv-1', 'chat-2'));
    const { outcomes } = await bed.settled();

    expect(outcomes.map((o) => [o.messageId, o.status])).toEqual([
      ['score-1', 'stored'],
      ['score-2', 'stored'],
      ['score-1', 'collapsed'],
      ['chat-1', 'stored'],
      ['chat-2', 'overflow'],
    ]);
    expect(outcomes[2]).toMatchObject({
      storedAt: NOW,
      source: 'queued',
      detail: 'replaced by message score-2 with the same collapse key',
    });
    expect(outcomes[4]).toMatchObject({ attempts: 1, detail: expect.stringContaining('full') });
    expect(inbox.entries().map((e) => e.message.id)).toEqual(['score-2', 'chat-1']);
  });

  it('writes nothing for a record that comes again for a message the inbox holds or already gave out (duplicate): one final outcome per message', async () => {
    const bed = await setup();
    bed.delivery.script('again', answer('not_connected', { edgeId: undefined }));
    await bed.start();
    await bed.publish('normal', request('tv-1', 'again'));
    await bed.settled();
    await bed.publish('normal', request('tv-1', 'again')); // redelivered while held
    await bed.settled();
    await bed.inbox.remove([{ ...to('tv-1'), messageId: 'again' }]); // an edge delivered it and reported
    await bed.publish('normal', request('tv-1', 'again')); // a replay after its final outcome
    const { outcomes } = await bed.settled();
    expect(outcomes.map((o) => [o.messageId, o.status])).toEqual([['again', 'stored']]);
    expect(bed.inbox.entries()).toEqual([]);
  });

  it('while even the inbox is down, keeps trying (delivery, then store) with capped backoff until the TTL ends: expired plus a dead letter expired_while_unavailable', async () => {
    let clock = NOW;
    const inbox = new TestInboxClient({ now: () => clock });
    const waits: number[] = [];
    const bed = await setup({
      inbox,
      now: () => clock,
      retry: { quickAttempts: 2, baseDelayMs: 100, maxDelayMs: 1000 },
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    inbox.failing = 'unreachable';
    bed.delivery.script('doomed', answer('unavailable', { edgeId: undefined, detail: 'unreachable: registry down' }));
    const doomed = request('tv-9', 'doomed', { ttlSeconds: 30, enqueuedAt: NOW });
    await bed.publish('low', doomed);
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    expect(outcomes).toHaveLength(1);
    // The detail is the last failure before the TTL ended: the store's or, when the TTL ran out between
    // a round's delivery and its store (seen on a loaded machine), the delivery's.
    expect(outcomes[0]).toMatchObject({
      messageId: 'doomed',
      status: 'expired',
      detail: expect.stringMatching(/inbox unavailable|unreachable: registry down/),
    });
    expect(outcomes[0]!.completedAt).toBeLessThanOrEqual(NOW + 30_000);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        reason: 'expired_while_unavailable',
        source: { topic: Topics.pushRequests.low, partition: 0, offset: '0' },
        key: keyOf('tv-9'),
        value: JSON.stringify(doomed),
        messageId: 'doomed',
        attempts: outcomes[0]!.attempts,
      }),
    ]);
    // Bounded by the TTL, not by a count: many rounds, no wait past the cap, the store tried each round.
    expect(inbox.storeCalls).toEqual([]); // every call failed before reaching the store
    expect(outcomes[0]!.attempts).toBeGreaterThan(10);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1000);
  });

  it('after a store that timed out but went through, never reports a final outcome itself: its next delivery is inboxed and storing again answers duplicate', async () => {
    const inbox = new TestInboxClient({ now: () => NOW });
    let timedOut = 0;
    // The first store commits, then the processor's call times out (no status, no refused connection).
    inbox.afterStore = async () => {
      if (timedOut++ === 0) throw new ServiceCallError('unreachable', 'registry POST /v1/inbox/store failed: Headers Timeout Error');
    };
    const bed = await setup({ inbox, retry: { quickAttempts: 1, baseDelayMs: 5, maxDelayMs: 20 } });
    // Offline at first; by the processor's next try the device is back and takes deliveries.
    bed.delivery.script('late', answer('not_connected', { edgeId: undefined }), answer('delivered'));
    await bed.publish('normal', request('tv-1', 'late', { ttlSeconds: 600 }));
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    // `delivered` is reported by the edge that takes the entry out (InboxSettlement), not here.
    expect(outcomes).toEqual([]);
    expect(deadLetters).toEqual([]);
    expect(bed.delivery.calls.map((c) => [c.message.id, c.inboxed === true])).toEqual([
      ['late', false],
      ['late', true],
    ]);
    expect(inbox.storeCalls).toHaveLength(2);
    expect(inbox.entries().map((e) => e.message.id)).toEqual(['late']);
  });

  it('keeps asking an inbox that failed ambiguously past the TTL; when it answers it never held the message: expired plus a dead letter', async () => {
    // 503 (the registry's own store call may have gone through) until 10 s after the TTL ended.
    const { bed, inbox } = await outageBed(40_000);
    bed.delivery.script('unsure', answer('not_connected', { edgeId: undefined }));
    await bed.publish('normal', request('tv-1', 'unsure', { ttlSeconds: 30, enqueuedAt: NOW }));
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    expect(outcomes.map((o) => [o.messageId, o.status])).toEqual([['unsure', 'expired']]);
    expect(outcomes[0]!.completedAt).toBeGreaterThan(NOW + 40_000);
    expect(deadLetters.map((d) => [d.messageId, d.reason])).toEqual([['unsure', 'expired_while_unavailable']]);
    // Only the first delivery is a plain one; the store that answered was made past the TTL.
    expect(bed.delivery.calls.filter((c) => !c.inboxed)).toHaveLength(1);
    expect(inbox.storeCalls).toHaveLength(1);
  });

  it('stores the message as soon as the inbox answers again after an outage', async () => {
    const { bed, inbox } = await outageBed(5_000); // the registry is back after ~5 s
    bed.delivery.script('patient', answer('not_connected', { edgeId: undefined }));
    await bed.publish('normal', request('tv-1', 'patient', { ttlSeconds: 600, enqueuedAt: NOW }));
    await bed.start();
    const { outcomes, deadLetters } = await bed.settled();
    expect(outcomes.map((o) => o.status)).toEqual(['stored']);
    expect(outcomes[0]!.storedAt).toBeGreaterThan(NOW + 5_000);
    expect(deadLetters).toEqual([]);
    expect(inbox.entries().map((e) => e.message.id)).toEqual(['patient']);
  });

  it('reports inbox entries whose TTL ended as expired, each once however many processors sweep', async () => {
    let clock = NOW;
    const inbox = new TestInboxClient({ now: () => clock });
    const bed = await setup({ inbox, now: () => clock });
    const other = newProcessor(bed.bus, { delivery: bed.delivery, inbox, now: () => clock, groupId: 'another-processor' });
    bed.delivery.script('short', answer('not_connected')).script('long', answer('not_connected'));
    await bed.publish(
      'normal',
      request('tv-1', 'short', { ttlSeconds: 10, enqueuedAt: NOW }),
      request('tv-2', 'long', { ttlSeconds: 600 }),
    );
    await bed.start();
    await bed.settled();
    clock = NOW + 10_000;
    await Promise.all([bed.processor.sweepExpired(), other.sweepExpired(), bed.processor.sweepExpired()]);

    const expired = bed.bus.outcomes().filter((o) => o.status === 'expired');
    expect(expired).toEqual([
      {
        v: 1,
        messageId: 'short',
        target: to('tv-1'),
        priority: 'normal',
        status: 'expired',
        attempts: 1,
        latencyMs: 10_000,
        enqueuedAt: NOW,
        completedAt: NOW + 10_000,
        storedAt: NOW,
        source: 'queued',
        detail: EXPIRED_IN_INBOX,
      },
    ]);
    expect(inbox.entries().map((e) => e.message.id)).toEqual(['long']);
  });

  it('on stop, stops waiting for the inbox at once and leaves that batch uncommitted: the next processor stores the message', async () => {
    const inbox = new TestInboxClient({ now: () => NOW });
    inbox.failing = 'store_unavailable';
    // Real waits (no injected sleep), long ones: stop must not sit them out.
    const bed = await setup({ inbox, sleep: undefined, retry: { quickAttempts: 1, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    bed.delivery.script('waiting', answer('not_connected', { edgeId: undefined }));
    await bed.publish('normal', request('tv-1', 'waiting'));
    await bed.start();
    await bed.delivery.startedOf('waiting');
    await waitFor(() => inbox.refused.includes('store'), { what: 'a store attempt that failed' });
    const stopping = Date.now();
    await bed.processor.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(bed.bus.outcomes()).toEqual([]);

    inbox.failing = undefined;
    const successor = newProcessor(bed.bus, { delivery: bed.delivery, inbox });
    await bed.start(successor);
    const { outcomes } = await bed.settled(successor);
    expect(outcomes.map((o) => [o.messageId, o.status])).toEqual([['waiting', 'stored']]);
  });
});
