import type { WebSocket } from '@pushwire/uws';
import { Phase, Transport, type Connection, type SocketData } from '../connection';

/** A topic with at least one subscriber on this edge. */
interface TopicEntry {
  /** The edge's one copy of the name: every subscribed connection's list points at it. */
  readonly name: string;
  /** Subscribed connections here, WebSocket and SSE. */
  subscribers: number;
  /** The SSE subscribers (WebSocket ones are in uWS's own topic tree); undefined while none. */
  sse: Set<Connection> | undefined;
}

/** The uWS topic every WebSocket of a device type is subscribed to, for broadcasts. `$`: never a device topic. */
export const deviceTypeTopic = (deviceType: string): string => `$type:${deviceType}`;

const ws = (c: Connection) => c.socket as WebSocket<SocketData>;

/**
 * Who subscribes to what on this edge. WebSocket subscriptions are uWS's native pub/sub
 * (`ws.subscribe`), so a publish reaches them in C++; SSE streams have no uWS topic and are kept
 * here, topic → set of connections, to be written one by one. Each topic name is held once per
 * edge (connections' lists share the entry's string), and a topic is forgotten with its last
 * subscriber. For broadcasts every WebSocket is subscribed at open to one uWS topic of its device
 * type (`$type:tv`); SSE connections are indexed by device type here.
 */
export class LocalSubscribers {
  private readonly entries = new Map<string, TopicEntry>();
  private subscriptionCount = 0;
  /** The broadcast topic of every device type seen on this edge (what a broadcast to all publishes to). */
  private readonly typeTopics = new Map<string, string>();
  private readonly sseByType = new Map<string, Set<Connection>>();

  /** Topics with at least one subscriber here. */
  get topics(): number {
    return this.entries.size;
  }

  /** Subscriptions of all connections here. */
  get subscriptions(): number {
    return this.subscriptionCount;
  }

  /** An open connection joins its device type's broadcasts. */
  opened(c: Connection): void {
    let topic = this.typeTopics.get(c.deviceType);
    if (topic === undefined) {
      topic = deviceTypeTopic(c.deviceType);
      this.typeTopics.set(c.deviceType, topic);
    }
    if (c.transport === Transport.WebSocket) {
      if (c.socket && c.phase !== Phase.Closed) ws(c).subscribe(topic);
      return;
    }
    let sse = this.sseByType.get(c.deviceType);
    if (!sse) this.sseByType.set(c.deviceType, (sse = new Set()));
    sse.add(c);
  }

  /** A connection ended: its subscriptions end with it (uWS drops a closed WebSocket's topics itself). */
  closed(c: Connection): void {
    if (c.transport === Transport.Sse) this.sseByType.get(c.deviceType)?.delete(c);
    const subscribed = c.subscriptions;
    if (subscribed === undefined) return;
    c.subscriptions = undefined;
    for (const name of subscribed) this.release(name, c);
  }

  /** How many topics the connection has. */
  countOf(c: Connection): number {
    return c.subscriptions?.length ?? 0;
  }

  has(c: Connection, topic: string): boolean {
    return c.subscriptions?.includes(topic) ?? false;
  }

  /** Subscribes the connection (which must not have the topic yet). */
  add(c: Connection, topic: string): void {
    let entry = this.entries.get(topic);
    if (!entry) this.entries.set(topic, (entry = { name: topic, subscribers: 0, sse: undefined }));
    entry.subscribers++;
    this.subscriptionCount++;
    (c.subscriptions ??= []).push(entry.name);
    if (c.transport === Transport.WebSocket) ws(c).subscribe(entry.name);
    else (entry.sse ??= new Set()).add(c);
  }

  /** Unsubscribes the connection; false when it did not have the topic. */
  remove(c: Connection, topic: string): boolean {
    const list = c.subscriptions;
    const at = list ? list.indexOf(topic) : -1;
    if (!list || at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) c.subscriptions = undefined;
    if (c.transport === Transport.WebSocket && c.socket && c.phase !== Phase.Closed) ws(c).unsubscribe(topic);
    this.release(topic, c);
    return true;
  }

  /** The SSE subscribers of a topic, if any. */
  sseSubscribers(topic: string): ReadonlySet<Connection> | undefined {
    return this.entries.get(topic)?.sse;
  }

  /** The broadcast topics of the device types seen here: all, or those of `deviceTypes`. */
  broadcastTopics(deviceTypes: readonly string[] | undefined): string[] {
    if (deviceTypes === undefined) return [...this.typeTopics.values()];
    const topics: string[] = [];
    for (const type of new Set(deviceTypes)) {
      const topic = this.typeTopics.get(type);
      if (topic !== undefined) topics.push(topic);
    }
    return topics;
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

  private release(topic: string, c: Connection): void {
    const entry = this.entries.get(topic);
    if (!entry) return;
    this.subscriptionCount--;
    if (entry.sse?.delete(c) && entry.sse.size === 0) entry.sse = undefined;
    if (--entry.subscribers === 0) this.entries.delete(topic);
  }
}
