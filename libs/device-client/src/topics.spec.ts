import type { ClientFrame } from '@pushwire/protocol';
import type { DeviceClient } from './index';
import { errorsOf, nextConnection, nextFrame, setup, trackUnhandledRejections } from './spec-helpers';
import { topicRecorder, waitForEvent, type FakeConnection } from './testing';
import { waitFor } from '@pushwire/test-kit';

const unhandled = trackUnhandledRejections();
const t = setup();

afterAll(() => expect(unhandled).toEqual([]));

/** A connected client subscribed to live:m1 whose handler got its first message, 'one' (offset 1). */
async function subscribedWithOne() {
  const client = t.client();
  await client.connect();
  const live = topicRecorder();
  const sub = await client.subscribe('live:m1', live.handler);
  t.edge.publish('live:m1', 'one');
  await live.count(1);
  return { client, live, sub };
}

/** Drops the client's connection from the edge side and waits for the next one (the client reconnects by itself). */
async function reconnect(conn: FakeConnection): Promise<FakeConnection> {
  const next = nextConnection(t.edge);
  conn.close(1001, 'edge stopping');
  return next;
}

const subscribeFrames = (conn: FakeConnection) =>
  conn.frames.filter((f): f is Extract<ClientFrame, { type: 'subscribe' }> => f.type === 'subscribe');

describe('DeviceClient: topics', () => {
  it('subscribes, hands each message of the topic to the handler in order and tracks the position', async () => {
    const client = t.client();
    await client.connect();
    t.edge.publish('live:m1', { score: '0-0' }); // before the subscription: not for this device
    const live = topicRecorder();
    const sub = await client.subscribe('live:m1', live.handler);
    expect(sub).toMatchObject({ topic: 'live:m1', active: true, position: { offset: 1, epoch: 'e1' } });
    t.edge.publish('live:m1', { score: '1-0' }, { id: 'goal1' });
    t.edge.publish('other', 'not subscribed');
    t.edge.publish('live:m1', { score: '2-0' }, { offset: 10 });
    await live.count(2);
    expect(live.got).toEqual([
      { topic: 'live:m1', id: 'goal1', offset: 2, epoch: 'e1', payload: { score: '1-0' }, sentAt: expect.any(Number) },
      { topic: 'live:m1', id: 'm10', offset: 10, epoch: 'e1', payload: { score: '2-0' }, sentAt: expect.any(Number) },
    ]);
    expect(sub.position).toEqual({ offset: 10, epoch: 'e1' });
    expect(subscribeFrames(t.edge.connections[0]!)).toEqual([{ type: 'subscribe', reqId: expect.any(String), topic: 'live:m1' }]);
  });

  it('moves the position once an async handler finished', async () => {
    const client = t.client();
    await client.connect();
    let finish: () => void = () => undefined;
    let began = false;
    const sub = await client.subscribe('live:m1', () => {
      began = true;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    t.edge.publish('live:m1', 'slow');
    await waitFor(() => began, { what: 'the handler to start', timeoutMs: 3000 });
    expect(sub.position).toEqual({ offset: 0, epoch: 'e1' });
    finish();
    await waitFor(() => sub.position.offset === 1, { what: 'the position to move', timeoutMs: 3000 });
  });

  it('works over SSE too', async () => {
    const client = t.client({ transport: 'sse' });
    await client.connect();
    const live = topicRecorder();
    await client.subscribe('live:m1', live.handler);
    t.edge.publish('live:m1', 'over sse');
    await live.count(1);
    expect(live.got[0]).toMatchObject({ payload: 'over sse', offset: 1 });
  });

  it.each(['forbidden', 'limit_exceeded', 'unavailable'] as const)('rejects with %s when the edge refuses', async (status) => {
    const client = t.client();
    await client.connect();
    t.edge.opts.subscribeStatus = status;
    await expect(client.subscribe('live:m1', () => undefined)).rejects.toMatchObject({ name: 'DeviceClientError', code: status });
    // A refused topic is not renewed after a reconnect, and may be subscribed once allowed.
    t.edge.opts.subscribeStatus = 'subscribed';
    await expect(client.subscribe('live:m1', () => undefined)).resolves.toMatchObject({ topic: 'live:m1' });
  });

  it("is forbidden outside the token's topic patterns", async () => {
    t.edge.addToken('fan', { deviceId: 'fan1', accountId: 'a9', topics: ['live:*'] });
    const client = t.client({ token: 'fan' });
    await client.connect();
    await expect(client.subscribe('live:m7', () => undefined)).resolves.toMatchObject({ active: true });
    await expect(client.subscribe('news', () => undefined)).rejects.toMatchObject({ code: 'forbidden', retriable: false });
  });

  it('refuses without sending: a bad topic name, a topic already subscribed, no connection', async () => {
    const client = t.client();
    await expect(client.subscribe('live:m1', () => undefined)).rejects.toMatchObject({ code: 'not_connected' });
    await client.connect();
    await expect(client.subscribe('$type:tv', () => undefined)).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(client.subscribe('x'.repeat(129), () => undefined)).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(client.subscribe('ok', () => undefined, { since: { offset: -1, epoch: 'e1' } })).rejects.toMatchObject({
      code: 'invalid_frame',
    });
    await client.subscribe('live:m1', () => undefined);
    await expect(client.subscribe('live:m1', () => undefined)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(subscribeFrames(t.edge.connections[0]!)).toHaveLength(1);
  });

  it('unsubscribes: the edge is told, the handler gets nothing more, and a reconnect does not renew it', async () => {
    const client = t.client();
    await client.connect();
    const live = topicRecorder();
    const sub = await client.subscribe('live:m1', live.handler);
    const first = t.edge.connections[0]!;
    await sub.unsubscribe();
    expect(sub.active).toBe(false);
    expect(first.frames.at(-1)).toEqual({ type: 'unsubscribe', reqId: expect.any(String), topic: 'live:m1' });
    expect(first.topics.size).toBe(0);
    await sub.unsubscribe(); // twice is harmless

    // Forgotten locally even when the connection is down.
    const other = await client.subscribe('other', live.handler);
    const closed = waitForEvent(client, 'close');
    const next = nextConnection(t.edge);
    const welcomed = waitForEvent(client, 'welcome');
    first.close(1001, 'edge stopping');
    await closed;
    await other.unsubscribe();
    const second = await next;
    await welcomed;
    t.edge.publish('other', 'nobody listens');
    t.edge.publish('live:m1', 'nobody listens');
    await client.subscribe('probe', () => undefined); // a round trip after the publishes
    expect(subscribeFrames(second).map((f) => f.topic)).toEqual(['probe']);
    expect(live.got).toEqual([]);
  });

  it('subscribes again after a reconnect with since = its position and gets what it missed, in order', async () => {
    const { client, live, sub } = await subscribedWithOne();
    const recoveries: unknown[] = [];
    client.on('topic.recovery', (r) => void recoveries.push(r));

    const first = t.edge.connections[0]!;
    const closed = waitForEvent(client, 'close');
    first.close(1001, 'edge stopping');
    await closed;
    // Missed while away: the renewal brings them, written right after its subscribe.result.
    t.edge.publish('live:m1', 'two');
    t.edge.publish('other', 'x');
    t.edge.publish('live:m1', 'three');
    const renewed = await nextFrame(t.edge, (f, conn) => f.type === 'subscribe' && conn !== first);
    expect(renewed.frame).toEqual({ type: 'subscribe', reqId: expect.any(String), topic: 'live:m1', since: { offset: 1, epoch: 'e1' } });
    await live.count(3);
    expect(recoveries).toEqual([{ topic: 'live:m1', recovered: true }]);
    t.edge.publish('live:m1', 'four');
    await live.count(4);
    expect(live.got.map((m) => m.payload)).toEqual(['one', 'two', 'three', 'four']);
    expect(live.offsets()).toEqual([1, 2, 4, 5]);
    expect(sub.position).toEqual({ offset: 5, epoch: 'e1' });
  });

  it('moves a quiet subscription up to the position of its renewal once the recovery is complete', async () => {
    const { client, sub } = await subscribedWithOne();
    t.edge.publish('other', 'x'); // the log moves on; live:m1 is quiet
    const recovery = waitForEvent(client, 'topic.recovery');
    await reconnect(t.edge.connections[0]!);
    expect(await recovery).toEqual({ topic: 'live:m1', recovered: true });
    expect(sub.position).toEqual({ offset: 1, epoch: 'e1' }); // its recovered messages could still be coming
    await client.subscribe('probe', () => undefined); // a later frame proves they all came
    expect(sub.position).toEqual({ offset: 2, epoch: 'e1' });
  });

  it('emits recovered: false when the gap cannot be filled, and goes on from the position the edge gave', async () => {
    const { client, live, sub } = await subscribedWithOne();
    const first = t.edge.connections[0]!;
    const recovery = waitForEvent(client, 'topic.recovery');
    first.silence(); // 'lost' never reaches the device
    t.edge.publish('live:m1', 'lost');
    t.edge.forgetTopicHistory();
    t.edge.opts.topicEpoch = 'e2';
    await reconnect(first);
    expect(await recovery).toEqual({ topic: 'live:m1', recovered: false });
    expect(sub.position).toEqual({ offset: 2, epoch: 'e2' });
    t.edge.publish('live:m1', 'after');
    await live.count(2);
    expect(live.got.map((m) => [m.payload, m.offset, m.epoch])).toEqual([
      ['one', 1, 'e1'],
      ['after', 3, 'e2'],
    ]);
  });

  it('takes since on the first subscribe and answers it as topic.recovery', async () => {
    const client = t.client();
    await client.connect();
    t.edge.publish('live:m1', 'one');
    t.edge.publish('live:m1', 'two');
    const live = topicRecorder();
    const recovery = waitForEvent(client, 'topic.recovery');
    const sub = await client.subscribe('live:m1', live.handler, { since: { offset: 1, epoch: 'e1' } });
    expect(await recovery).toEqual({ topic: 'live:m1', recovered: true });
    await live.count(1);
    expect(live.got.map((m) => m.payload)).toEqual(['two']);
    expect(sub.position).toEqual({ offset: 2, epoch: 'e1' });
  });

  it('never hands the same offset twice within a subscription', async () => {
    const client = t.client();
    const conn = await scripted(client);
    const live = topicRecorder();
    const subscribing = client.subscribe('live:m1', live.handler);
    const { frame } = await nextFrame(t.edge, (f) => f.type === 'subscribe');
    const reqId = (frame as { reqId: string }).reqId;
    const message = (offset: number, epoch = 'e1') =>
      ({ type: 'topic.message', topic: 'live:m1', id: `m${offset}`, offset, epoch, payload: offset, sentAt: 1 }) as const;
    conn.send(message(3)); // before the result: the subscription does not exist yet
    conn.send({ type: 'subscribe.result', reqId, topic: 'live:m1', status: 'subscribed', offset: 4, epoch: 'e1' });
    for (const offset of [4, 5, 5, 6, 5, 7]) conn.send(message(offset));
    conn.send(message(2, 'e2')); // another log instance: a new sequence
    await live.count(4);
    await subscribing;
    expect(live.got.map((m) => [m.offset, m.epoch])).toEqual([
      [5, 'e1'],
      [6, 'e1'],
      [7, 'e1'],
      [2, 'e2'],
    ]);
  });

  it('ends a subscription whose renewal is refused for good, with an error event', async () => {
    const client = t.client();
    await client.connect();
    const sub = await client.subscribe('live:m1', () => undefined);
    const errors = errorsOf(client);
    t.edge.opts.subscribeStatus = 'forbidden';
    await reconnect(t.edge.connections[0]!);
    await waitFor(() => !sub.active, { what: 'the subscription to end', timeoutMs: 3000 });
    expect(errors).toEqual([expect.objectContaining({ code: 'forbidden', message: expect.stringMatching(/live:m1.*ended/) })]);
  });

  it('retries a renewal answered unavailable, and recovers once the edge is ready', async () => {
    const client = t.client({ random: () => 0 });
    await client.connect();
    const live = topicRecorder();
    await client.subscribe('live:m1', live.handler);
    const errors = errorsOf(client);
    let refusals = 1;
    t.edge.opts.subscribeStatus = () => (refusals-- > 0 ? 'unavailable' : 'subscribed');
    const recovery = waitForEvent(client, 'topic.recovery');
    t.edge.publish('live:m1', 'missed?'); // delivered before the drop
    await live.count(1);
    await reconnect(t.edge.connections[0]!);
    expect(await recovery).toEqual({ topic: 'live:m1', recovered: true });
    expect(errors).toEqual([expect.objectContaining({ code: 'unavailable', retriable: true })]);
    t.edge.publish('live:m1', 'next');
    await live.count(2);
    expect(live.offsets()).toEqual([1, 2]);
  });

  it('emits broadcasts once per id', async () => {
    const client = t.client();
    await client.connect();
    const got: unknown[] = [];
    client.on('broadcast', (b) => void got.push(b));
    const conn = t.edge.connections[0]!;
    t.edge.broadcast({ x: 1 }, { id: 'season-2' });
    conn.send({ type: 'broadcast', id: 'season-2', payload: { x: 1 }, sentAt: 1 });
    t.edge.broadcast('only tvs', { deviceTypes: ['tv'] });
    t.edge.broadcast('only phones', { deviceTypes: ['phone'] });
    await waitFor(() => got.length >= 2, { what: 'two broadcasts', timeoutMs: 3000 });
    await client.subscribe('probe', () => undefined); // a round trip: nothing else is on its way
    expect(got).toEqual([
      { type: 'broadcast', id: 'season-2', payload: { x: 1 }, sentAt: expect.any(Number) },
      { type: 'broadcast', id: 'b2', payload: 'only tvs', sentAt: expect.any(Number) },
    ]);
  });

  it('ends every subscription on close()', async () => {
    const client = t.client();
    await client.connect();
    const sub = await client.subscribe('live:m1', () => undefined);
    await client.close();
    expect(sub.active).toBe(false);
    await expect(sub.unsubscribe()).resolves.toBeUndefined();
  });
});

/** Connects `client` to an edge connection that answers nothing, so the test scripts the replies. */
async function scripted(client: DeviceClient): Promise<FakeConnection> {
  const silenced = nextConnection(t.edge).then((conn) => (conn.silence(), conn));
  await client.connect();
  return silenced;
}
