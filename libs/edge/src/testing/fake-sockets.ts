import type { HttpResponse, TemplatedApp, WebSocket } from '@pushwire/uws';
import type { ServerFrame } from '@pushwire/protocol';
import { Connection, Phase, Transport, type SocketData } from '../connection';

/**
 * The few uWebSockets.js WebSocket calls the edge's transport makes (cork, send, getBufferedAmount,
 * end, close, and the pub/sub calls), recorded, so the pure parts (delivery, frame handling, sweeping) run in a unit spec
 * without a port. `send` answers like uWS: 1 written, 0 buffered, 2 dropped.
 */
export class FakeWebSocket {
  /** Texts accepted by `send` (a dropped send is not recorded: uWS discards it). */
  readonly sent: string[] = [];
  bufferedAmount = 0;
  sendResult: 0 | 1 | 2 = 1;
  /** Set by `end(code, reason)`: a close frame was sent. */
  ended: { code: number; reason: string } | undefined = undefined;
  /** Set by `close()`: the socket was cut off without a close frame. */
  closed = false;
  /** The uWS topics the socket is subscribed to. */
  readonly topics = new Set<string>();

  cork(cb: () => void): this {
    cb();
    return this;
  }

  send(text: string): number {
    if (this.sendResult !== 2) this.sent.push(text);
    return this.sendResult;
  }

  subscribe(topic: string): boolean {
    this.topics.add(topic);
    return true;
  }

  unsubscribe(topic: string): boolean {
    return this.topics.delete(topic);
  }

  isSubscribed(topic: string): boolean {
    return this.topics.has(topic);
  }

  getTopics(): string[] {
    return [...this.topics];
  }

  getBufferedAmount(): number {
    return this.bufferedAmount;
  }

  end(code: number, reason: string): void {
    this.ended = { code, reason };
  }

  close(): void {
    this.closed = true;
  }

  /** The frames sent so far, parsed. */
  frames(): ServerFrame[] {
    return this.sent.map((text) => JSON.parse(text) as ServerFrame);
  }
}

/**
 * The uWS app's pub/sub calls (publish, numSubscribers) over FakeWebSockets: publish hands the
 * frame to every socket subscribed to the topic, as uWS's topic tree does.
 */
export class FakeUwsApp {
  readonly sockets: FakeWebSocket[] = [];
  readonly published: Array<{ topic: string; frame: string }> = [];

  numSubscribers(topic: string): number {
    return this.sockets.filter((s) => s.topics.has(topic)).length;
  }

  publish(topic: string, frame: string): boolean {
    this.published.push({ topic, frame });
    for (const s of this.sockets) if (s.topics.has(topic)) s.sent.push(frame);
    return true;
  }

  /** The app as the edge's code takes it (the fake covers only the calls above). */
  get app(): TemplatedApp {
    return this as unknown as TemplatedApp;
  }
}

/** The uWS HttpResponse calls an SSE stream makes (cork, write, end); `writable` is what `write` answers. */
export class FakeSseResponse {
  readonly written: string[] = [];
  writable = true;
  ended = false;

  cork(cb: () => void): this {
    cb();
    return this;
  }

  write(text: string): boolean {
    this.written.push(text);
    return this.writable;
  }

  end(): this {
    this.ended = true;
    return this;
  }
}

export interface FakeConnectionOptions {
  accountId?: string;
  connectionId?: string;
  phase?: Phase;
}

function connection(transport: Transport, deviceId: string, opts: FakeConnectionOptions): Connection {
  const c = new Connection(transport, opts.connectionId ?? `conn-${deviceId}`, opts.phase ?? Phase.Open);
  c.deviceId = deviceId;
  c.accountId = opts.accountId ?? 'acct';
  c.deviceType = 'tv';
  return c;
}

/** Puts `c` on a FakeWebSocket, as uWS's `open` does with the real one. */
export function attachFakeWebSocket(c: Connection): FakeWebSocket {
  const socket = new FakeWebSocket();
  // The fake covers exactly the calls transport.ts makes; the cast is the price of not faking the rest.
  c.socket = socket as unknown as WebSocket<SocketData>;
  return socket;
}

/** Puts `c` on a FakeSseResponse, as the SSE endpoint does with the real response. */
export function attachFakeSse(c: Connection): FakeSseResponse {
  const stream = new FakeSseResponse();
  c.socket = stream as unknown as HttpResponse;
  return stream;
}

/** A WebSocket connection of `deviceId` on a FakeWebSocket. */
export function fakeWebSocketConnection(deviceId: string, opts: FakeConnectionOptions = {}): { c: Connection; socket: FakeWebSocket } {
  const c = connection(Transport.WebSocket, deviceId, opts);
  return { c, socket: attachFakeWebSocket(c) };
}

/** An SSE connection of `deviceId` on a FakeSseResponse. */
export function fakeSseConnection(deviceId: string, opts: FakeConnectionOptions = {}): { c: Connection; stream: FakeSseResponse } {
  const c = connection(Transport.Sse, deviceId, opts);
  return { c, stream: attachFakeSse(c) };
}
