import { MemoryEventBus } from '@pushwire/event-bus';
import {
  TOPIC_LOG,
  BROADCAST_RECORD_KEY,
  topicEpochOf,
  topicOffsetOfRecord,
  type BroadcastRecord,
  type ServerFrame,
  type TopicPosition,
  type TopicPublishRecord,
} from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawDevice, SseDevice } from './raw-device';

// Topics and broadcast on real sockets: test edges reading a MemoryEventBus as their topic log;
// each publish or broadcast is a record appended to that log, as the push client appends it.

type Device = RawDevice | SseDevice;
type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

let ids = 0;
const nextId = (prefix: string) => `${prefix}-${++ids}`;

/** Appends a topic message to the log; resolves with its topic offset. */
async function publish(bus: MemoryEventBus, topic: string, payload: unknown, ttlSeconds = 300): Promise<number> {
  const record: TopicPublishRecord = { kind: 'topic', topic, id: nextId('m'), payload, priority: 'normal', sentAt: Date.now(), ttlSeconds };
  const [position] = await bus.append(TOPIC_LOG, [{ key: topic, value: JSON.stringify(record) }]);
  return topicOffsetOfRecord(position!.offset);
}

async function broadcast(bus: MemoryEventBus, payload: unknown, deviceTypes?: string[]): Promise<void> {
  const record: BroadcastRecord = {
    kind: 'broadcast',
    id: nextId('b'),
    payload,
    sentAt: Date.now(),
    ttlSeconds: 300,
    ...(deviceTypes ? { deviceTypes } : {}),
  };
  await bus.append(TOPIC_LOG, [{ key: BROADCAST_RECORD_KEY, value: JSON.stringify(record) }]);
}

interface Opened {
  device: Device;
  /** Sends a frame the way this transport does (WebSocket frame, or POST /v1/frames for SSE). */
  send(frame: unknown): Promise<void>;
}

async function openWs(t: TestEdge, deviceId: string, topics?: string[], deviceType = 'phone'): Promise<Opened> {
  const token = await t.token('acc', deviceId, { topics, deviceType });
  const device = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${token}`);
  await device.next('welcome');
  return { device, send: async (frame) => device.send(frame) };
}

async function openSse(t: TestEdge, deviceId: string, topics?: string[], deviceType = 'phone'): Promise<Opened> {
  const token = await t.token('acc', deviceId, { topics, deviceType });
  const device = await SseDevice.open(`${t.deviceUrl}/v1/events?token=${token}`);
  await device.next('welcome');
  const send = async (frame: unknown) => {
    const res = await fetch(`${t.deviceUrl}/v1/frames`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(frame),
    });
    if (res.status !== 202) throw new Error(`frame refused: ${res.status}`);
  };
  return { device, send };
}

async function subscribe(o: Opened, topic: string, since?: TopicPosition): Promise<Frame<'subscribe.result'>> {
  const reqId = nextId('s');
  await o.send({ type: 'subscribe', reqId, topic, ...(since ? { since } : {}) });
  const result = await o.device.next('subscribe.result');
  expect(result.reqId).toBe(reqId);
  return result;
}

async function metric(t: TestEdge, name: string): Promise<number> {
  const text = await (await fetch(`${t.internalUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` } })).text();
  // `name{service="push-edge"} 3`: the registry adds its default labels.
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

describe('edge: topics and broadcast', () => {
  let bus: MemoryEventBus;
  let t: TestEdge;
  let epoch: string;
  const opened: Device[] = [];
  const track = (o: Opened) => (opened.push(o.device), o);

  beforeAll(async () => {
    bus = new MemoryEventBus();
    t = await startTestEdge({ maxTopicsPerConnection: 3, topicHistoryMessages: 5 }, { topicLog: bus });
    epoch = topicEpochOf(await bus.logId());
  });
  afterEach(() => {
    for (const d of opened.splice(0)) d.close();
  });
  afterAll(async () => {
    await t.stop();
    await bus.close();
  });

  it('delivers a publish to WebSocket and SSE subscribers, with the offset the log gave it and the epoch', async () => {
    const ws = track(await openWs(t, 'ws1', ['live:*']));
    const sse = track(await openSse(t, 'sse1', ['live:*']));
    for (const o of [ws, sse]) expect(await subscribe(o, 'live:m1')).toMatchObject({ topic: 'live:m1', status: 'subscribed', epoch });
    const offset = await publish(bus, 'live:m1', { score: '1-0' });
    for (const o of [ws, sse])
      expect(await o.device.next('topic.message')).toMatchObject({ topic: 'live:m1', offset, epoch, payload: { score: '1-0' } });
  });

  it('refuses a topic outside the token (forbidden) and one topic over the limit (limit_exceeded)', async () => {
    const ws = track(await openWs(t, 'ws2', ['live:*']));
    expect(await subscribe(ws, 'news')).toEqual({
      type: 'subscribe.result',
      reqId: expect.any(String),
      topic: 'news',
      status: 'forbidden',
    });
    for (const topic of ['live:a', 'live:b', 'live:c']) expect((await subscribe(ws, topic)).status).toBe('subscribed');
    expect((await subscribe(ws, 'live:d')).status).toBe('limit_exceeded');
    const none = track(await openSse(t, 'sse2'));
    expect((await subscribe(none, 'live:a')).status).toBe('forbidden');
  });

  it("refuses the edge's own broadcast channels ($ names) as bad frames, naming the request, even to a * token", async () => {
    const ws = track(await openWs(t, 'ws-dollar', ['*']));
    await ws.send({ type: 'subscribe', reqId: 'dollar', topic: '$type:tv' });
    expect(await ws.device.next('error')).toMatchObject({ code: 'invalid_frame', reqId: 'dollar' });
  });

  it('stops delivering a topic after unsubscribe, WebSocket and SSE alike', async () => {
    for (const o of [track(await openWs(t, 'ws3', ['u:*'])), track(await openSse(t, 'sse3', ['u:*']))]) {
      await subscribe(o, 'u:gone');
      await subscribe(o, 'u:kept');
      await o.send({ type: 'unsubscribe', reqId: 'un-1', topic: 'u:gone' });
      expect(await o.device.next('unsubscribe.result')).toMatchObject({ reqId: 'un-1', status: 'unsubscribed' });
      await o.send({ type: 'unsubscribe', reqId: 'un-2', topic: 'u:gone' });
      expect(await o.device.next('unsubscribe.result')).toMatchObject({ reqId: 'un-2', status: 'not_subscribed' });
      await publish(bus, 'u:gone', 'lost');
      await publish(bus, 'u:kept', 'kept');
      // The log is in order and so is the socket: had the first come, it would be first.
      expect(await o.device.next('topic.message')).toMatchObject({ topic: 'u:kept' });
    }
  });

  it('broadcasts to every connection, and by device type, over WebSocket and SSE', async () => {
    const tvWs = track(await openWs(t, 'tv-ws', undefined, 'tv'));
    const tvSse = track(await openSse(t, 'tv-sse', undefined, 'tv'));
    const phoneWs = track(await openWs(t, 'phone-ws', undefined, 'phone'));
    const phoneSse = track(await openSse(t, 'phone-sse', undefined, 'phone'));
    await broadcast(bus, { season: 2 }, ['tv']);
    await broadcast(bus, { x: 1 });
    for (const o of [tvWs, tvSse]) {
      expect(await o.device.next('broadcast')).toMatchObject({ payload: { season: 2 } });
      expect(await o.device.next('broadcast')).toMatchObject({ payload: { x: 1 } });
    }
    // The phones' first broadcast is the one for everybody: the tv-only one never reached them.
    for (const o of [phoneWs, phoneSse]) expect(await o.device.next('broadcast')).toMatchObject({ payload: { x: 1 } });
  });

  it('recovers what a device missed: subscribe with since after three publishes gets the three in order, then live', async () => {
    const first = await openWs(t, 'rec1', ['game.*']);
    const { offset } = await subscribe(first, 'game.7');
    first.device.close();
    await first.device.closed;
    const missed = [await publish(bus, 'game.7', 'q1'), await publish(bus, 'game.other', 'x'), await publish(bus, 'game.7', 'q2')];
    missed.push(await publish(bus, 'game.7', 'q3'));
    const again = track(await openWs(t, 'rec1', ['game.*']));
    await again.send({ type: 'subscribe', reqId: 'resub', topic: 'game.7', since: { offset: offset!, epoch } });
    const frames = again.device.frames;
    await waitFor(() => frames.length >= 4, { what: 'the answer and the three missed messages', timeoutMs: 5000 });
    expect(frames.map((f) => f.type)).toEqual(['subscribe.result', 'topic.message', 'topic.message', 'topic.message']);
    expect(frames[0]).toMatchObject({ status: 'subscribed', recovered: true, offset: missed[3], epoch });
    expect(frames.slice(1).map((f) => (f as Frame<'topic.message'>).payload)).toEqual(['q1', 'q2', 'q3']);
    expect(frames.slice(1).map((f) => (f as Frame<'topic.message'>).offset)).toEqual([missed[0], missed[2], missed[3]]);
    const live = await publish(bus, 'game.7', 'q4');
    await waitFor(() => frames.length >= 5, { what: 'the live message after the recovered ones', timeoutMs: 5000 });
    expect(frames[4]).toMatchObject({ type: 'topic.message', payload: 'q4', offset: live });
  });

  it('answers recovered: false for a gap older than the history, or a position of another epoch', async () => {
    const ws = track(await openWs(t, 'rec2', ['old:*']));
    const before = (await subscribe(ws, 'old:t')).offset!;
    for (let i = 0; i < 7; i++) await publish(bus, 'old:t', i); // the history keeps 5 per topic
    for (let i = 0; i < 7; i++) expect(await ws.device.next('topic.message')).toMatchObject({ payload: i });
    expect(await subscribe(ws, 'old:t', { offset: before, epoch })).toMatchObject({ status: 'subscribed', recovered: false });
    expect(await subscribe(ws, 'old:t', { offset: 1, epoch: 'eother' })).toMatchObject({ status: 'subscribed', recovered: false });
    expect(ws.device.frames.filter((f) => f.type === 'topic.message')).toEqual([]);
  });

  it("ends a connection's subscriptions with it: the gauges go back to 0", async () => {
    for (const d of opened.splice(0)) d.close();
    await waitFor(async () => (await metric(t, 'pushwire_edge_topic_subscriptions')) === 0, {
      what: 'earlier connections gone',
      timeoutMs: 5000,
    });
    const ws = await openWs(t, 'g1', ['live:*']);
    const sse = await openSse(t, 'g2', ['live:*']);
    await subscribe(ws, 'live:g');
    await subscribe(sse, 'live:g');
    await subscribe(sse, 'live:h');
    expect(await metric(t, 'pushwire_edge_topic_subscriptions')).toBe(3);
    expect(await metric(t, 'pushwire_edge_topics')).toBe(2);
    ws.device.close();
    sse.device.close();
    await waitFor(async () => (await metric(t, 'pushwire_edge_topic_subscriptions')) === 0, {
      what: 'subscriptions ended',
      timeoutMs: 5000,
    });
    expect(await metric(t, 'pushwire_edge_topics')).toBe(0);
  });
});

describe('edge: topics across two edges on one log', () => {
  it('delivers a publish and a broadcast to subscribers on both edges', async () => {
    const bus = new MemoryEventBus();
    const edges = [await startTestEdge({}, { topicLog: bus }), await startTestEdge({}, { topicLog: bus })];
    try {
      const devices = [await openWs(edges[0]!, 'a', ['live:*']), await openSse(edges[1]!, 'b', ['live:*'])];
      for (const d of devices) expect((await subscribe(d, 'live:both')).status).toBe('subscribed');
      const offset = await publish(bus, 'live:both', 'goal');
      await broadcast(bus, 'hello');
      for (const d of devices) {
        expect(await d.device.next('topic.message')).toMatchObject({ payload: 'goal', offset });
        expect(await d.device.next('broadcast')).toMatchObject({ payload: 'hello' });
        d.device.close();
      }
    } finally {
      for (const e of edges) await e.stop();
      await bus.close();
    }
  });

  it('answers unavailable on an edge that reads no topic log', async () => {
    const t = await startTestEdge();
    try {
      const ws = await openWs(t, 'n', ['*']);
      expect((await subscribe(ws, 'live:x')).status).toBe('unavailable');
      ws.device.close();
    } finally {
      await t.stop();
    }
  });
});
