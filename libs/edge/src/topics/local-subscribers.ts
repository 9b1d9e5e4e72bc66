import type { TemplatedApp, WebSocket } from '@pushwire/uws';
import { Phase, Transport, type Connection, type SocketData } from '../connection';

/** A topic that had a subscriber on this edge (forgotten once it has none, at the next count). */
interface TopicEntry {
  /** The edge's one copy of the name (uWS keeps its own per topic; SSE lists point at this one). */
  readonly name: string;
  /** The SSE subscribers (WebSocket ones are in uWS's topic tree); undefined while none. */
  sse: Set<Connection> | undefined;
}

/** The uWS topic every WebSocket of a device type is subscribed to, for broadcasts. `$`: never a device topic. */
export const deviceTypeTopic = (deviceType: string): string => `$type:${deviceType}`;

const ws = (c: Connection) => c.socket as WebSocket<SocketData>;
const live = (c: Connection) => c.socket !== undefined && c.phase !== Phase.Closed;

/**
 * Who subscribes to what on this edge. A WebSocket's subscriptions live in uWS alone
 * (`ws.subscribe`, `isSubscribed`, `getTopics`): a publish reaches them in C++, they end with the
 * socket, and the edge keeps nothing per WebSocket for them — subscriptions must not break the
 * idle-connection budget. SSE streams have no uWS topic: each keeps its list (`subscriptions`) and
 * the topic a set of its streams, written one by one. Topic names are kept once per edge.
 *
 * Broadcasts go to one uWS topic per device type (`$type:tv`), which a WebSocket joins only once
 * its device type has had a broadcast on this edge: a uWS subscription costs about 220 B of native
 * memory per socket (bench:memory, medians of 3: 1,171 B per idle connection with it, 948 without),
 * which an edge that never broadcasts should not pay. The first broadcast to a
 * device type subscribes that type's open WebSockets in one pass over the connection table; those
 * that open later join at open. SSE streams are indexed by device type here (no uWS topic).
 */
export class LocalSubscribers {
  private readonly entries = new Map<string, TopicEntry>();
  /** Entries after the last pruning: past twice as many, topics without subscribers are forgotten. */
  private prunedSize = 1024;
  /** The broadcast topic of every device type seen on this edge (what a broadcast to all publishes to). */
  private readonly typeTopics = new Map<string, string>();
  private readonly sseByType = new Map<string, Set<Connection>>();
  /** Device types that have had a broadcast here: their WebSockets are subscribed to their broadcast topic. */
  private readonly broadcastTypes = new Set<string>();

  constructor(
    /** The device port's uWS app, once built: its topic tree counts the WebSocket subscribers. */
    private readonly app: () => TemplatedApp | undefined,
    /** Visits every connection of the edge (the connection table): the first broadcast to a type subscribes its WebSockets. */
    private readonly forEachConnection: (visit: (c: Connection) => void) => void,
  ) {}

  /**
   * Subscriptions and topics with a subscriber here (the gauges), counted from uWS and the SSE
   * sets; topics left without subscribers are forgotten on the way.
   */
  counts(): { subscriptions: number; topics: number } {
    let subscriptions = 0;
    const app = this.app();
    for (const [name, entry] of this.entries) {
      const n = (app ? app.numSubscribers(name) : 0) + (entry.sse?.size ?? 0);
      if (n === 0) this.entries.delete(name);
      subscriptions += n;
    }
    this.prunedSize = Math.max(1024, this.entries.size);
    return { subscriptions, topics: this.entries.size };
  }

  /** An open connection joins its device type's broadcasts (a WebSocket: once the type has had one here). */
  opened(c: Connection): void {
    let topic = this.typeTopics.get(c.deviceType);
    if (topic === undefined) {
      topic = deviceTypeTopic(c.deviceType);
      this.typeTopics.set(c.deviceType, topic);
    }
    if (c.transport === Transport.WebSocket) {
      if (this.broadcastTypes.has(c.deviceType) && live(c)) ws(c).subscribe(topic);
      return;
    }
    let sse = this.sseByType.get(c.deviceType);
    if (!sse) this.sseByType.set(c.deviceType, (sse = new Set()));
    sse.add(c);
  }

  /** A connection ended: its subscriptions end with it (uWS drops a closed WebSocket's topics itself). */
  closed(c: Connection): void {
    if (c.transport === Transport.WebSocket) return;
    this.sseByType.get(c.deviceType)?.delete(c);
    const subscribed = c.subscriptions;
    if (subscribed === undefined) return;
    c.subscriptions = undefined;
    for (const name of subscribed) this.leaveSse(name, c);
  }

  /** How many topics the connection has. */
  countOf(c: Connection): number {
    if (c.transport === Transport.WebSocket) {
      if (!live(c)) return 0;
      // Its device type's broadcast topic, once the type has had a broadcast here, is not one of its own.
      const socket = ws(c);
      const typeTopic = this.typeTopics.get(c.deviceType);
      return socket.getTopics().length - (typeTopic !== undefined && socket.isSubscribed(typeTopic) ? 1 : 0);
    }
    return c.subscriptions?.length ?? 0;
  }

  has(c: Connection, topic: string): boolean {
    if (c.transport === Transport.WebSocket) return live(c) && ws(c).isSubscribed(topic);
    return c.subscriptions?.includes(topic) ?? false;
  }

  /** Subscribes the connection (which must not have the topic yet). */
  add(c: Connection, topic: string): void {
    if (!live(c)) return;
    let entry = this.entries.get(topic);
    if (!entry) {
      if (this.entries.size >= 2 * this.prunedSize) this.counts();
      this.entries.set(topic, (entry = { name: topic, sse: undefined }));
    }
    if (c.transport === Transport.WebSocket) {
      ws(c).subscribe(entry.name);
      return;
    }
    // A list of exactly its size: a pushed-to array reserves room for 16 more.
    c.subscriptions = c.subscriptions ? [...c.subscriptions, entry.name] : [entry.name];
    (entry.sse ??= new Set()).add(c);
  }

  /** Unsubscribes the connection; false when it did not have the topic. */
  remove(c: Connection, topic: string): boolean {
    if (c.transport === Transport.WebSocket) return live(c) && ws(c).unsubscribe(topic);
    const list = c.subscriptions;
    if (!list?.includes(topic)) return false;
    c.subscriptions = list.length > 1 ? list.filter((name) => name !== topic) : undefined;
    this.leaveSse(topic, c);
    return true;
  }

  /** The SSE subscribers of a topic, if any. */
  sseSubscribers(topic: string): ReadonlySet<Connection> | undefined {
    return this.entries.get(topic)?.sse;
  }

  /**
   * The broadcast topics of the device types seen here: all, or those of `deviceTypes`. Types that
   * had no broadcast here before have their open WebSockets subscribed first, so a publish to the
   * topics reaches every WebSocket of the types.
   */
  broadcastTopics(deviceTypes: readonly string[] | undefined): string[] {
    const types = deviceTypes === undefined ? [...this.typeTopics.keys()] : [...new Set(deviceTypes)].filter((t) => this.typeTopics.has(t));
    const joining = types.filter((t) => !this.broadcastTypes.has(t));
    if (joining.length > 0) this.joinBroadcasts(joining);
    return types.map((t) => this.typeTopics.get(t)!);
  }

  /** The SSE connections of the device types (all when undefined), type by type. */
  *sseOfTypes(deviceTypes: readonly string[] | undefined): Iterable<Connection> {
    if (deviceTypes === undefined) {
      for (const set of this.sseByType.values()) yield* set;
      return;
    }
    for (const type of new Set(deviceTypes)) {
      const set = this.sseByType.get(type);
      if (set) yield* set;
    }
  }

  /** Marks `types` as broadcast to and subscribes their open WebSockets to their topics, in one pass over the table. */
  private joinBroadcasts(types: readonly string[]): void {
    for (const t of types) this.broadcastTypes.add(t);
    const joining = new Set(types);
    this.forEachConnection((c) => {
      if (c.transport === Transport.WebSocket && joining.has(c.deviceType) && live(c)) ws(c).subscribe(this.typeTopics.get(c.deviceType)!);
    });
  }

  private leaveSse(topic: string, c: Connection): void {
    const entry = this.entries.get(topic);
    if (entry?.sse?.delete(c) && entry.sse.size === 0) entry.sse = undefined;
  }
}
