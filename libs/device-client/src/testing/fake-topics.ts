import {
  topicPatternMatches,
  type ClientFrame,
  type ServerFrame,
  type ServerFrameOf,
  type SubscribeStatus,
  type TopicPosition,
} from '@pushwire/protocol';

/** What the fake topic log needs of a connection. */
export interface TopicConnection {
  readonly identity: { deviceType?: string; topics?: readonly string[] };
  readonly topics: Set<string>;
  readonly closed: boolean;
  readonly silent: boolean;
  send(frame: ServerFrame): void;
}

/** How the fake answers `subscribe`; read at each subscribe, so a test may change them between calls. */
export interface FakeTopicOptions {
  /**
   * The answer to `subscribe` of a topic the token allows (a token whose identity lists `topics`
   * patterns gets `forbidden` outside them): a status, or a function of the topic. Default 'subscribed'.
   */
  subscribeStatus?: SubscribeStatus | ((topic: string) => SubscribeStatus);
  /** The topic log's epoch; change it to play a log that lost its history (renewals get `recovered: false`). Default 'e1'. */
  topicEpoch?: string;
}

/** Options of one fake publish or broadcast. */
export interface FakePublishOptions {
  /** Default: a fresh `m<n>`. */
  id?: string;
  /** The log offset to give the message (must be past the last one); default the next one. Leaves a gap, like other topics would. */
  offset?: number;
  /** Broadcast only: reach only devices of these types. */
  deviceTypes?: string[];
}

/**
 * The fake edge's topics: one in-memory log of every topic message and broadcast (offsets 1, 2, …;
 * nothing is forgotten unless `forget()`), subscriptions per connection, `subscribe.result`
 * (with recovery of the messages after `since`, written right after the result like the real
 * edge) and `unsubscribe.result`.
 */
export class FakeTopicLog {
  private offset = 0;
  private readonly messages: ServerFrameOf<'topic.message'>[] = [];
  /** The first offset the log still holds: a `since` before it cannot be recovered. */
  private firstKept = 1;

  constructor(
    private readonly opts: FakeTopicOptions,
    private readonly connections: () => readonly TopicConnection[],
  ) {}

  /** The log's position now: what a fresh subscriber starts from. */
  get position(): TopicPosition {
    return { offset: this.offset, epoch: this.epoch };
  }

  /** Appends a message to `topic` and writes it to every connection subscribed to it; returns the frame. */
  publish(topic: string, payload: unknown, options: FakePublishOptions = {}): ServerFrameOf<'topic.message'> {
    const offset = this.next(options.offset);
    const frame: ServerFrameOf<'topic.message'> = {
      type: 'topic.message',
      topic,
      id: options.id ?? `m${offset}`,
      offset,
      epoch: this.epoch,
      payload,
      sentAt: Date.now(),
    };
    this.messages.push(frame);
    for (const conn of this.live()) if (conn.topics.has(topic)) conn.send(frame);
    return frame;
  }

  /** Writes a broadcast to every connection (or those of `deviceTypes`); takes a log offset like a real one. */
  broadcast(payload: unknown, options: FakePublishOptions = {}): ServerFrameOf<'broadcast'> {
    const offset = this.next(options.offset);
    const frame: ServerFrameOf<'broadcast'> = { type: 'broadcast', id: options.id ?? `b${offset}`, payload, sentAt: Date.now() };
    const types = options.deviceTypes;
    for (const conn of this.live()) if (!types || types.includes(conn.identity.deviceType ?? 'phone')) conn.send(frame);
    return frame;
  }

  /** Forgets every message so far: a later `since` before now is answered `recovered: false`. */
  forget(): void {
    this.messages.length = 0;
    this.firstKept = this.offset + 1;
  }

  /** Answers a `subscribe` or `unsubscribe` frame; false for any other frame. */
  handle(conn: TopicConnection, frame: ClientFrame): boolean {
    if (frame.type === 'unsubscribe') {
      const had = conn.topics.delete(frame.topic);
      conn.send({ type: 'unsubscribe.result', reqId: frame.reqId, topic: frame.topic, status: had ? 'unsubscribed' : 'not_subscribed' });
      return true;
    }
    if (frame.type !== 'subscribe') return false;
    const { reqId, topic, since } = frame;
    const status = this.statusFor(conn, topic);
    if (status !== 'subscribed') {
      conn.send({ type: 'subscribe.result', reqId, topic, status });
      return true;
    }
    conn.topics.add(topic);
    const recovered =
      since !== undefined && since.epoch === this.epoch && since.offset <= this.offset && since.offset >= this.firstKept - 1;
    conn.send({ type: 'subscribe.result', reqId, topic, status, ...this.position, ...(since ? { recovered } : {}) });
    if (recovered) for (const m of this.messages) if (m.topic === topic && m.offset > since.offset) conn.send(m);
    return true;
  }

  private get epoch(): string {
    return this.opts.topicEpoch ?? 'e1';
  }

  private statusFor(conn: TopicConnection, topic: string): SubscribeStatus {
    const allowed = conn.identity.topics;
    if (allowed && !allowed.some((pattern) => topicPatternMatches(pattern, topic))) return 'forbidden';
    const status = this.opts.subscribeStatus ?? 'subscribed';
    return typeof status === 'function' ? status(topic) : status;
  }

  private next(offset: number | undefined): number {
    if (offset !== undefined && offset <= this.offset) throw new Error(`FakeEdge: offset ${offset} is not past ${this.offset}`);
    this.offset = offset ?? this.offset + 1;
    return this.offset;
  }

  private live(): TopicConnection[] {
    return this.connections().filter((c) => !c.closed && !c.silent);
  }
}
