import net from 'node:net';
import { sourceAddress } from './loopback';
import { EngineIo, topicsOf, upgradePath, upgradeRequest, type WireProtocol } from './wire-protocol';
import { CLOSE_NO_STATUS, maskedCloseFrame, readFrames, type FrameSink, type FrameState } from './ws-frames';
import { maskedTextFrame } from './ws-client-frame';
import type { ReconnectPlan, TopicPlan } from './worker-messages';

/** Where a connection is in its life. Numbers, so "before open" is `phase < Phase.Open`. */
export const Phase = { Idle: 0, Connecting: 1, Upgrading: 2, Handshaking: 3, Open: 4, Closed: 5 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** An HTTP answer other than 101 to the upgrade. */
export interface HttpRefusal {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** What a connection reports to the worker that holds it. */
export interface ConnectionOwner {
  /** Connected: 101 (`ws`), `welcome` (`pushwire`), namespace connected (`socketio`). */
  opened(c: LoadConnection): void;
  /** An attempt failed before it was connected; `reason` is the HTTP status line, an errno code, `timeout`, …. */
  failed(c: LoadConnection, reason: string, refusal: HttpRefusal | undefined): void;
  /** An open connection ended (closed by the server, dropped, or left by the client). */
  lost(c: LoadConnection, code: number, reason: string): void;
  /** An application message: a push, a Socket.IO event, a bare text message. */
  message(text: string): void;
  /** A pushwire `reconnect` frame. */
  reconnectFrame(c: LoadConnection, afterMs: number): void;
}

/** What all connections of one plan share (kept once per plan, referenced by each connection). */
export interface ConnectionGroup {
  owner: ConnectionOwner;
  protocol: WireProtocol;
  host: string;
  devicePrefix: string;
  /** Device tokens by index − `first` (pushwire only). */
  tokens: string[] | undefined;
  /** The topics its devices are in; undefined: none. */
  topics: TopicPlan[] | undefined;
  first: number;
  sourceAddresses: number;
  connectTimeoutMs: number;
  /** Storm behaviour, defaults filled in; undefined: a lost connection stays lost. */
  reconnect: Required<ReconnectPlan> | undefined;
  /** Round-robin position over `reconnect.alternativePorts`. */
  portCursor: number;
}

const CONN = Symbol('loadgen.connection');
type TaggedSocket = net.Socket & { [CONN]?: LoadConnection };

/** Longest response head we read before calling the answer broken. */
const MAX_HEAD = 16 * 1024;
/** How often one `subscribe` answered `unavailable` (the edge's topic history still loading) is sent again. */
const SUBSCRIBE_RETRIES = 5;

/**
 * One device's connection, reconnects included. Built for 19,000 per process: plain fields, no
 * closures (the socket's listeners are shared functions that find the connection on the socket) and
 * no timers (the worker's tick checks `deadline` and `wakeAt`).
 */
export class LoadConnection implements FrameState, FrameSink {
  phase: Phase = Phase.Idle;
  socket: TaggedSocket | undefined;
  port = 0;
  /** The response head while upgrading. */
  head = '';
  buffered: Buffer | undefined;
  fragments: Buffer[] | undefined;
  /** When the handshake in flight times out (worker clock, ms). */
  deadline = 0;
  closeCode = 1006;
  closeReason = '';
  /** Failed attempts since the last successful connect (the SDK's `attempt`). */
  attempt = 0;
  /** `afterMs` of a `reconnect` frame on the current connection, or −1. */
  hintMs = -1;
  /** When the next reconnect attempt is due (worker clock, ms). */
  wakeAt = 0;
  /** The attempt in flight is a reconnect (not the plan's first connect). */
  reconnecting = false;
  /** Counted once in the plan's connect result (connected or failed). */
  settled = false;
  /** `subscribe` frames not answered yet (pushwire plans with topics, before the connection counts as open). */
  pendingSubscribes = 0;
  /** `subscribe` frames sent again after `unavailable`. */
  subscribeRetries = 0;

  constructor(
    readonly group: ConnectionGroup,
    readonly index: number,
  ) {}

  get deviceId(): string {
    return `${this.group.devicePrefix}${this.index}`;
  }

  /** Opens a socket to `port` (an attempt); the outcome is reported to the owner. */
  start(port: number, now: number): void {
    const g = this.group;
    this.port = port;
    this.phase = Phase.Connecting;
    this.head = '';
    this.buffered = undefined;
    this.fragments = undefined;
    this.closeCode = 1006;
    this.closeReason = '';
    this.hintMs = -1;
    this.deadline = now + g.connectTimeoutMs;
    const socket: TaggedSocket = net.connect({ port, host: g.host, localAddress: sourceAddress(this.index % g.sourceAddresses) });
    socket[CONN] = this;
    this.socket = socket;
    socket.on('connect', onConnect);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  }

  /** Ends an attempt that has not connected, and reports it. */
  fail(reason: string, refusal?: HttpRefusal): void {
    if (this.phase >= Phase.Open) return;
    this.detach()?.destroy();
    this.group.owner.failed(this, reason, refusal);
  }

  /** Leaves an open connection politely (close frame, then FIN); reported as lost with `code`. */
  leave(code: number, reason: string): void {
    if (this.phase !== Phase.Open) return;
    this.detach()?.end(maskedCloseFrame(1000));
    this.group.owner.lost(this, code, reason);
  }

  /** Drops the socket at once, reporting nothing (closeAll). */
  destroy(): void {
    this.detach()?.destroy();
  }

  private detach(): TaggedSocket | undefined {
    const socket = this.socket;
    this.phase = Phase.Closed;
    this.socket = undefined;
    this.head = '';
    this.buffered = undefined;
    this.fragments = undefined;
    if (socket) socket[CONN] = undefined; // its late events (close, error) no longer reach this connection
    return socket;
  }

  private connected(): void {
    this.phase = Phase.Open;
    this.group.owner.opened(this);
  }

  // ---- socket events (through the shared listeners below) ---------------------------------------

  handleConnect(socket: net.Socket): void {
    const g = this.group;
    this.phase = Phase.Upgrading;
    const token = g.tokens?.[this.index - g.first];
    const topics = g.topics && g.protocol !== 'pushwire' ? topicsOf(g.topics, this.index) : undefined;
    socket.write(upgradeRequest(g.host, this.port, upgradePath(g.protocol, this.deviceId, token, topics)));
  }

  handleData(socket: net.Socket, chunk: Buffer): void {
    if (this.phase !== Phase.Upgrading) {
      readFrames(this, socket, chunk);
      return;
    }
    this.head += chunk.toString('latin1'); // latin1 keeps the bytes as they were, for frames behind the head
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > MAX_HEAD) this.fail('oversized response head');
      return;
    }
    const head = this.head;
    this.head = '';
    const statusLine = head.slice(0, head.indexOf('\r\n'));
    if (!statusLine.startsWith('HTTP/1.1 101')) {
      const retryAfter = /\r\nretry-after:[ \t]*([^\r]*)/i.exec(head.slice(0, end + 2))?.[1];
      this.fail(statusLine, { status: Number(statusLine.split(' ')[1]) || 0, retryAfter, body: head.slice(end + 4) });
      return;
    }
    this.phase = Phase.Handshaking;
    if (this.group.protocol === 'ws') this.connected();
    // Frames that came in the same chunk as the head (unless the owner closed the connection meanwhile).
    if (head.length > end + 4 && this.socket === socket) readFrames(this, socket, Buffer.from(head.slice(end + 4), 'latin1'));
  }

  handleError(err: NodeJS.ErrnoException): void {
    if (this.phase < Phase.Open) this.fail(err.code ?? err.message);
    else this.closeReason = err.code ?? err.message; // the close event follows and reports the loss
  }

  handleClose(): void {
    if (this.phase < Phase.Open) {
      this.fail(
        this.closeCode !== 1006
          ? `close ${this.closeCode} before connected`
          : this.phase === Phase.Connecting
            ? 'closed before connect'
            : 'closed during handshake',
      );
      return;
    }
    const { closeCode, closeReason } = this;
    this.detach();
    this.group.owner.lost(this, closeCode, closeReason);
  }

  // ---- FrameSink ---------------------------------------------------------------------------------

  onText(text: string): void {
    const owner = this.group.owner;
    switch (this.group.protocol) {
      case 'ws':
        owner.message(text);
        return;
      case 'pushwire':
        return this.onPushwireFrame(text);
      case 'socketio':
        return this.onEngineIoPacket(text);
    }
  }

  onCloseFrame(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
    // Echo the close (RFC 6455 §5.5.1) and end; the socket's close event reports it.
    this.socket?.end(maskedCloseFrame(code === CLOSE_NO_STATUS ? 1000 : code));
  }

  /** Frames are JSON with `type` first (`{"type":"push",…}`), so the type is read without parsing. */
  private onPushwireFrame(text: string): void {
    const type = text.startsWith('{"type":"') ? text.slice(9, text.indexOf('"', 9)) : '';
    if (this.phase === Phase.Handshaking) {
      if (type === 'welcome') this.subscribeAll();
      else if (type === 'subscribe.result') this.onSubscribed(text);
      return;
    }
    if (type === 'push' || type === 'd2d.message' || type === 'topic.message' || type === 'broadcast') this.group.owner.message(text);
    else if (type === 'reconnect') {
      const afterMs = Number((JSON.parse(text) as { afterMs?: unknown }).afterMs);
      this.hintMs = Number.isFinite(afterMs) && afterMs >= 0 ? afterMs : 0;
      this.group.owner.reconnectFrame(this, this.hintMs);
    }
  }

  /** After `welcome`: subscribes to the plan's topics (the connection opens once all are answered), or opens. */
  private subscribeAll(): void {
    const topics = this.group.topics;
    if (!topics) return this.connected();
    this.pendingSubscribes = topics.length;
    this.subscribeRetries = 0;
    for (const topic of topicsOf(topics, this.index)) this.sendSubscribe(topic);
  }

  private sendSubscribe(topic: string): void {
    this.socket?.write(maskedTextFrame(JSON.stringify({ type: 'subscribe', reqId: `s-${topic}`, topic })));
  }

  private onSubscribed(text: string): void {
    const { status, topic } = JSON.parse(text) as { status?: string; topic?: string };
    if (status === 'subscribed') {
      if (--this.pendingSubscribes === 0) this.connected();
    } else if (status === 'unavailable' && topic && this.subscribeRetries++ < SUBSCRIBE_RETRIES) {
      this.sendSubscribe(topic); // the edge waited (up to 5 s) for its history: ask again
    } else {
      this.fail(`subscribe ${status ?? 'answer unreadable'}`);
    }
  }

  /** The minimal Engine.IO v4 / Socket.IO client: open → `40` → `40{…}` connected; pings answered. */
  private onEngineIoPacket(text: string): void {
    const socket = this.socket!;
    if (text === EngineIo.PING) {
      socket.write(maskedTextFrame(EngineIo.PONG));
    } else if (text.startsWith(EngineIo.EVENT)) {
      if (this.phase === Phase.Open) this.group.owner.message(text);
    } else if (this.phase === Phase.Handshaking) {
      if (text.startsWith(EngineIo.CONNECT)) this.connected();
      else if (text.startsWith(EngineIo.CONNECT_ERROR)) this.fail('socket.io connect_error');
      else if (text.startsWith(EngineIo.OPEN)) socket.write(maskedTextFrame(EngineIo.CONNECT));
    } else if (text === EngineIo.CLOSE || text.startsWith(EngineIo.DISCONNECT)) {
      // The server ended the session; it closes the socket next, reported like a close frame.
      this.closeReason = text === EngineIo.CLOSE ? 'engine.io close' : 'socket.io disconnect';
      socket.end();
    }
  }
}

// Shared socket listeners: `this` is the socket, the connection hangs on it (no closure per socket).
function onConnect(this: TaggedSocket): void {
  this[CONN]?.handleConnect(this);
}
function onData(this: TaggedSocket, chunk: Buffer): void {
  this[CONN]?.handleData(this, chunk);
}
function onError(this: TaggedSocket, err: NodeJS.ErrnoException): void {
  this[CONN]?.handleError(err);
}
function onClose(this: TaggedSocket): void {
  this[CONN]?.handleClose();
}
