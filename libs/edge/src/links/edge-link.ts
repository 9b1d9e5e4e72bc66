import WebSocket from 'ws';
import { equalJitterDelay } from '@pushwire/backoff';
import { MAX_LINK_FRAME_BYTES, parseJson, Validators, type Delivery, type DeliveryStatus, type LinkAnswer } from '@pushwire/protocol';

/** Options of an EdgeLink; each field states its default. */
export interface EdgeLinkOptions {
  /** The edge service token the peer's /v1/link upgrade checks. Required. */
  serviceToken: string;
  /** Deliveries in flight on the link at most; more are answered `backpressure` at once. Default 10,000. */
  maxInFlight?: number;
  /** A request not answered within this is `unavailable` (its late answer is ignored). Default 2000 ms. */
  timeoutMs?: number;
  /** How often the link pings the peer; a ping not answered by the next one ends the link. Default 5000 ms. */
  pingIntervalMs?: number;
  /** Reconnect backoff (equal jitter): first wait up to `baseMs`, doubling to `maxMs`. Default 100 / 5000 ms. */
  backoff?: { baseMs: number; maxMs: number };
  /** Told when the link fails (the peer refused it, the socket broke): for logging. */
  onFailure?(url: string, err: Error): void;
  now?: () => number;
  random?: () => number;
}

/** A request waiting for its answer: how many deliveries it holds, its deadline and how to settle its sender. */
interface Pending {
  count: number;
  deadline: number;
  settle(statuses: DeliveryStatus[]): void;
}

/** How often pending requests are checked against their deadlines. */
const SWEEP_MS = 250;

/**
 * One persistent edge-to-edge link (docs/protocol.md, "Edge links"): a WebSocket to a peer edge's
 * /v1/link, opened on first use, carrying LinkRequests pipelined under correlation ids, their
 * LinkAnswers coming back on the same socket. `send` never rejects: a broken link fails what it had
 * in flight as `unavailable` (a truthful answer: it may or may not have been written), and for the
 * backoff that follows new sends are `unavailable` at once rather than queued behind a dead peer;
 * the first send after it opens the link again. Past `maxInFlight` deliveries a send is
 * `backpressure`. Kept alive by pings; a peer that stops answering them is dropped.
 *
 * The client is `ws` (no compression). Measured against a lean client (net.Socket writing masked
 * frames, no answer validation) by tools/bench/src/link-client-cost.ts: ~14 µs more CPU per request,
 * this class's answer validation and deadlines included (docs/benchmarks/d2d.md) — a few % of what a
 * relayed message costs edge 1 — for a tested handshake, framing, ping/pong and close.
 */
export class EdgeLink {
  private socket: WebSocket | undefined;
  private open = false;
  private closed = false;
  /** Frames written before the socket opened, sent on open. */
  private queued: string[] = [];
  private readonly pending = new Map<number, Pending>();
  private inFlight = 0;
  private nextId = 0;
  private attempt = 0;
  /** No connect before this (backoff after a failure). */
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastPingAt = 0;
  private ponged = true;
  private readonly now: () => number;
  private readonly opts: Required<Omit<EdgeLinkOptions, 'onFailure' | 'now' | 'random'>> & Pick<EdgeLinkOptions, 'onFailure' | 'random'>;

  constructor(
    readonly url: string,
    opts: EdgeLinkOptions,
  ) {
    if (!opts.serviceToken) throw new TypeError('EdgeLink: serviceToken is required');
    this.now = opts.now ?? Date.now;
    this.opts = {
      maxInFlight: 10_000,
      timeoutMs: 2000,
      pingIntervalMs: 5000,
      backoff: { baseMs: 100, maxMs: 5000 },
      ...opts,
    };
  }

  /** Deliveries sent and not answered yet. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Connected now. */
  get connected(): boolean {
    return this.open;
  }

  /** Relays deliveries to the peer; resolves with one status per delivery, in order. Never rejects. */
  send(deliveries: Delivery[]): Promise<DeliveryStatus[]> {
    const n = deliveries.length;
    if (this.closed || (!this.socket && this.now() < this.retryAt)) return Promise.resolve(fill(n, 'unavailable'));
    if (this.inFlight + n > this.opts.maxInFlight) return Promise.resolve(fill(n, 'backpressure'));
    if (!this.socket) this.connect();
    const id = this.nextId++;
    const frame = JSON.stringify({ id, deliveries });
    return new Promise((settle) => {
      this.pending.set(id, { count: n, deadline: this.now() + this.opts.timeoutMs, settle });
      this.inFlight += n;
      if (this.open) this.socket!.send(frame);
      else this.queued.push(frame);
    });
  }

  /** Closes the link; what is in flight is `unavailable`, and later sends too. */
  close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.fail(new Error('link closed'), false);
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((done) => {
      socket.once('close', () => done());
      socket.terminate();
    });
  }

  private connect(): void {
    const socket = new WebSocket(this.url, {
      headers: { authorization: `Bearer ${this.opts.serviceToken}` },
      perMessageDeflate: false,
      maxPayload: MAX_LINK_FRAME_BYTES,
      handshakeTimeout: this.opts.timeoutMs,
    });
    this.socket = socket;
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.open = true;
      this.attempt = 0;
      for (const frame of this.queued) socket.send(frame);
      this.queued = [];
    });
    socket.on('message', (data, isBinary) => {
      if (this.socket === socket) this.onAnswer(data as Buffer, isBinary);
    });
    socket.on('pong', () => (this.ponged = true));
    socket.on('unexpected-response', (_req, res) => {
      // The peer refused the upgrade (401/403: a token it does not take; 404: not an edge with links).
      if (this.socket === socket) this.fail(new Error(`edge link to ${this.url} refused: HTTP ${res.statusCode}`), true);
      socket.terminate();
    });
    socket.on('error', (err) => {
      if (this.socket === socket) this.fail(err, true);
    });
    socket.on('close', (code) => {
      if (this.socket === socket) this.fail(new Error(`edge link to ${this.url} closed (${code})`), true);
    });
    this.ponged = true;
    this.lastPingAt = this.now();
    this.timer = setInterval(() => this.tick(), SWEEP_MS);
    this.timer.unref();
  }

  private onAnswer(data: Buffer, isBinary: boolean): void {
    let answer: LinkAnswer;
    try {
      if (isBinary) throw new TypeError('link frames are text');
      answer = Validators.linkAnswer.decode(parseJson(data.toString('utf8'), 'link answer'));
    } catch (err) {
      this.fail(err as Error, true); // a peer that speaks nonsense: nothing it answers can be trusted
      return;
    }
    const p = this.pending.get(answer.id);
    if (!p) return; // timed out already
    this.pending.delete(answer.id);
    this.inFlight -= p.count;
    p.settle(answer.statuses.length === p.count ? answer.statuses : fill(p.count, 'unavailable'));
  }

  /** Deadlines and keep-alive, a few times a second while a socket exists. */
  private tick(): void {
    const now = this.now();
    // Map order is send order: the oldest requests come first.
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(id);
      this.inFlight -= p.count;
      p.settle(fill(p.count, 'unavailable'));
    }
    if (!this.open || now - this.lastPingAt < this.opts.pingIntervalMs) return;
    if (!this.ponged) {
      this.fail(new Error(`edge link to ${this.url}: no pong within ${this.opts.pingIntervalMs} ms`), true);
      return;
    }
    this.ponged = false;
    this.lastPingAt = now;
    this.socket!.ping();
  }

  /** Ends the socket, fails everything in flight as `unavailable` and, when `retry`, starts the backoff. */
  private fail(err: Error, retry: boolean): void {
    const socket = this.socket;
    this.socket = undefined;
    this.open = false;
    this.queued = [];
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.inFlight = 0;
    for (const p of pending) p.settle(fill(p.count, 'unavailable'));
    if (!retry) return;
    this.retryAt = this.now() + equalJitterDelay(this.attempt++, this.opts.backoff.baseMs, this.opts.backoff.maxMs, this.opts.random);
    this.opts.onFailure?.(this.url, err);
  }
}

function fill(n: number, status: DeliveryStatus): DeliveryStatus[] {
  return new Array<DeliveryStatus>(n).fill(status);
}
