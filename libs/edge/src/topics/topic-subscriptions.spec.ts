import type { TopicPosition } from '@pushwire/protocol';
import { Phase } from '../connection';
import { fakeSseConnection, FakeUwsApp, fakeWebSocketConnection } from '../testing/fake-sockets';
import { sendFrame, sendServerFrame } from '../transport';
import { LocalSubscribers } from './local-subscribers';
import type { Recovery, TopicHistoryView } from './topic-history';
import { TokenTopicPolicy } from './topic-policy';
import { TopicSubscriptions, type SubscriptionMetrics } from './topic-subscriptions';

// TopicSubscriptions on fake sockets (the frames each connection got are recorded), with a history
// that is a plain object the test moves by hand, and jest's fake timers for the wait until ready.

class HandHistory implements TopicHistoryView {
  private _ready = true;
  private resolveReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.resolveReady = resolve));
  get ready(): boolean {
    return this._ready;
  }
  set ready(ready: boolean) {
    this._ready = ready;
    if (ready) this.resolveReady();
  }
  whenReady(): Promise<void> {
    return this._ready ? Promise.resolve() : this.readyPromise;
  }
  epoch = 'e1';
  offset = 7;
  /** What recover() answers, by topic. */
  recoveries = new Map<string, Recovery>();
  asked: Array<{ topic: string; since: TopicPosition }> = [];
  position(): TopicPosition {
    return { offset: this.offset, epoch: this.epoch };
  }
  recover(topic: string, since: TopicPosition): Recovery {
    this.asked.push({ topic, since });
    return this.recoveries.get(topic) ?? { recovered: false, frames: [] };
  }
}

function setup(opts: { history?: HandHistory | null; max?: number } = {}) {
  const history = opts.history === null ? undefined : (opts.history ?? new HandHistory());
  const app = new FakeUwsApp();
  const subscribers = new LocalSubscribers(
    () => app.app,
    () => undefined, // no broadcasts in these specs
  );
  const counted: string[] = [];
  const metrics: SubscriptionMetrics = {
    refused: (status) => counted.push(`refused:${status}`),
    recovery: (result) => counted.push(`recovery:${result}`),
    delivered: (kind, n) => counted.push(`delivered:${kind}:${n}`),
  };
  const subs = new TopicSubscriptions(
    { maxTopicsPerConnection: opts.max ?? 3, readyWaitMs: 5000 },
    {
      subscribers,
      history,
      policy: new TokenTopicPolicy(),
      send: (c, frame) => void sendServerFrame(c, frame),
      sendText: (c, text) => void sendFrame(c, text),
      metrics,
    },
  );
  /** A WebSocket device with these token topics (null: no claim), opened: in its device type's broadcasts. */
  const device = (topics: readonly string[] | null = ['live:*', 'news']) => {
    const { c, socket } = fakeWebSocketConnection(`p${app.sockets.length}`);
    c.topics = topics ?? undefined;
    app.sockets.push(socket);
    subscribers.opened(c);
    return { c, socket, frames: () => socket.frames() };
  };
  const own = (socket: { topics: Set<string> }) => [...socket.topics].filter((t) => !t.startsWith('$'));
  return { subs, subscribers, history, counted, device, own };
}

const subscribe = (topic: string, since?: TopicPosition, reqId = `r-${topic}`) =>
  ({ type: 'subscribe', reqId, topic, ...(since ? { since } : {}) }) as const;

describe('TopicSubscriptions', () => {
  afterEach(() => jest.useRealTimers());

  it('subscribes a topic the token allows: the uWS topic, the answer with the position now', () => {
    const { subs, subscribers, device, own } = setup();
    const d = device();
    subs.handle(d.c, subscribe('live:m1'));
    expect(d.frames()).toEqual([
      { type: 'subscribe.result', reqId: 'r-live:m1', topic: 'live:m1', status: 'subscribed', offset: 7, epoch: 'e1' },
    ]);
    expect(d.socket.topics.has('live:m1')).toBe(true);
    expect(own(d.socket)).toEqual(['live:m1']);
    expect(subscribers.counts()).toEqual({ subscriptions: 1, topics: 1 });
  });

  it('refuses a topic outside the token, and every topic for a token without the claim: forbidden', () => {
    const { subs, counted, device, own } = setup();
    const d = device();
    subs.handle(d.c, subscribe('replay:m1'));
    const none = device(null);
    subs.handle(none.c, subscribe('news'));
    expect(d.frames()).toEqual([{ type: 'subscribe.result', reqId: 'r-replay:m1', topic: 'replay:m1', status: 'forbidden' }]);
    expect(none.frames()[0]).toMatchObject({ status: 'forbidden' });
    expect([...own(d.socket), ...own(none.socket)]).toEqual([]);
    expect(counted).toEqual(['refused:forbidden', 'refused:forbidden']);
  });

  it('refuses one topic more than the limit (limit_exceeded), but a topic the connection has is answered again', () => {
    const { subs, device, own } = setup({ max: 2 });
    const d = device();
    subs.handle(d.c, subscribe('live:a'));
    subs.handle(d.c, subscribe('live:b'));
    subs.handle(d.c, subscribe('live:c'));
    subs.handle(d.c, subscribe('live:a', undefined, 'again'));
    expect(d.frames().map((f) => (f as { status: string }).status)).toEqual(['subscribed', 'subscribed', 'limit_exceeded', 'subscribed']);
    expect(own(d.socket)).toEqual(['live:a', 'live:b']);
  });

  it('unsubscribes, and answers not_subscribed for a topic the connection does not have', () => {
    const { subs, subscribers, device } = setup();
    const d = device();
    subs.handle(d.c, subscribe('news'));
    subs.handle(d.c, { type: 'unsubscribe', reqId: 'u1', topic: 'news' });
    subs.handle(d.c, { type: 'unsubscribe', reqId: 'u2', topic: 'news' });
    expect(d.frames().slice(1)).toEqual([
      { type: 'unsubscribe.result', reqId: 'u1', topic: 'news', status: 'unsubscribed' },
      { type: 'unsubscribe.result', reqId: 'u2', topic: 'news', status: 'not_subscribed' },
    ]);
    expect(d.socket.topics.has('news')).toBe(false);
    expect(subscribers.counts()).toEqual({ subscriptions: 0, topics: 0 });
  });

  it('with since, writes the answer (recovered: true) and then the missed frames, in order', () => {
    const { subs, history, counted, device } = setup();
    const missed = ['{"type":"topic.message","n":1}', '{"type":"topic.message","n":2}'];
    history!.recoveries.set('live:m1', { recovered: true, frames: missed });
    const d = device();
    subs.handle(d.c, subscribe('live:m1', { offset: 3, epoch: 'e1' }));
    expect(d.socket.sent).toEqual([
      JSON.stringify({
        type: 'subscribe.result',
        reqId: 'r-live:m1',
        topic: 'live:m1',
        status: 'subscribed',
        offset: 7,
        epoch: 'e1',
        recovered: true,
      }),
      ...missed,
    ]);
    expect(history!.asked).toEqual([{ topic: 'live:m1', since: { offset: 3, epoch: 'e1' } }]);
    expect(counted).toEqual(['recovery:hit', 'delivered:topic:2']);
  });

  it('says recovered: false when the history cannot fill the gap, and still subscribes', () => {
    const { subs, counted, device } = setup();
    const d = device();
    subs.handle(d.c, subscribe('live:m1', { offset: 1, epoch: 'other' }));
    expect(d.frames()).toEqual([expect.objectContaining({ status: 'subscribed', recovered: false })]);
    expect(d.socket.topics.has('live:m1')).toBe(true);
    expect(counted).toEqual(['recovery:miss']);
  });

  it('answers unavailable when the edge reads no topic log', () => {
    const { subs, device } = setup({ history: null });
    const d = device();
    subs.handle(d.c, subscribe('news'));
    expect(d.frames()).toEqual([{ type: 'subscribe.result', reqId: 'r-news', topic: 'news', status: 'unavailable' }]);
  });

  it('holds a subscribe while the history loads and answers it once ready', async () => {
    jest.useFakeTimers();
    const history = new HandHistory();
    history.ready = false;
    const { subs, device } = setup({ history });
    const d = device();
    subs.handle(d.c, subscribe('news'));
    jest.advanceTimersByTime(1000);
    expect(d.frames()).toEqual([]);
    history.ready = true;
    await Promise.resolve(); // the history's whenReady: answered at once, not at the next check
    await Promise.resolve();
    expect(d.frames()).toEqual([expect.objectContaining({ status: 'subscribed', offset: 7 })]);
    expect(subs.pending).toBe(0);
  });

  it('answers unavailable when the history is not ready within the wait, and drops waits of closed connections', () => {
    jest.useFakeTimers();
    const history = new HandHistory();
    history.ready = false;
    const { subs, counted, device } = setup({ history });
    const d = device();
    const gone = device();
    subs.handle(d.c, subscribe('news'));
    subs.handle(gone.c, subscribe('news'));
    gone.c.phase = Phase.Closed;
    jest.advanceTimersByTime(5100);
    expect(d.frames()).toEqual([{ type: 'subscribe.result', reqId: 'r-news', topic: 'news', status: 'unavailable' }]);
    expect(gone.socket.sent).toEqual([]);
    expect(counted).toEqual(['refused:unavailable']);
    expect(subs.pending).toBe(0);
  });

  it('ends the subscriptions of a closed connection, WebSocket and SSE alike', () => {
    const { subs, subscribers, device } = setup();
    const a = device();
    const { c: sse, stream } = fakeSseConnection('sse');
    sse.topics = ['live:*'];
    subscribers.opened(sse);
    subs.handle(a.c, subscribe('live:m1'));
    subs.handle(sse, subscribe('live:m1'));
    subs.handle(sse, subscribe('live:m2'));
    expect(stream.written[0]).toContain('"status":"subscribed"');
    expect(subscribers.sseSubscribers('live:m1')?.has(sse)).toBe(true);
    expect(subscribers.counts()).toEqual({ subscriptions: 3, topics: 2 });
    sse.phase = Phase.Closed;
    subscribers.closed(sse);
    expect(sse.subscriptions).toBeUndefined();
    expect(subscribers.sseSubscribers('live:m1')).toBeUndefined();
    expect(subscribers.counts()).toEqual({ subscriptions: 1, topics: 1 });
    // uWS drops a closed WebSocket's topics itself.
    a.c.phase = Phase.Closed;
    a.socket.topics.clear();
    subscribers.closed(a.c);
    expect(subscribers.counts()).toEqual({ subscriptions: 0, topics: 0 });
  });
});
