import { CloseCode, decodeClientFrame, ProtocolValidationError, type ClientFrame, type ErrorCode } from '@pushwire/protocol';
import type { AckWaiter } from './acks';
import type { DeviceRequests } from './devices/device-requests';
import { Phase, type CloseConnection, type Connection } from './connection';
import type { EdgeMetrics } from './edge-metrics';
import { labelledCounter } from './metric-labels';
import type { TopicSubscriptions } from './topics/topic-subscriptions';
import { refill } from './token-bucket';
import { sendErrorFrame, sendServerFrame } from './transport';

export interface FrameHandlerOptions {
  maxBadFrames: number;
  /** Token bucket: sustained frames per second per connection; bursts up to twice that. */
  framesPerSecond: number;
  /**
   * Frames the rate limit may drop within DROPPED_FRAMES_WINDOW_MS before the connection is closed
   * 1008: a device that keeps sending past its rate is flooding, not bursting.
   */
  maxDroppedFrames: number;
}

/** The window over which dropped frames are counted toward `maxDroppedFrames`. */
export const DROPPED_FRAMES_WINDOW_MS = 10_000;

/** What the frame handler hands frames on to, and how it ends a connection. */
export interface FrameHandlerDeps {
  /** Settles the deliveries waiting for an `ack`. */
  acks: Pick<AckWaiter, 'ack'>;
  /** Answers `d2d.send`, `devices.list` and `devices.subscribe` (they reach beyond the edge). */
  requests: Pick<DeviceRequests, 'handle'>;
  /** Answers `subscribe` and `unsubscribe`. */
  topics: Pick<TopicSubscriptions, 'handle'>;
  /** First-frame auth: verify the token and open the connection, or close it 4003. */
  authenticate(c: Connection, token: string): void;
  /** `auth` on an open connection: replace its token (same account and device), or close it 4003. */
  refreshToken(c: Connection, token: string): void;
  close: CloseConnection;
  metrics: Pick<EdgeMetrics, 'framesIn' | 'badFrames' | 'droppedFrames' | 'd2d'>;
  now?: () => number;
}

/** What a rate-limited frame's answer needs to know about the frame, without decoding it. */
interface RefusedRequest {
  reqId: string | undefined;
  d2d: boolean;
  /** An `ack`: the answer to a push this edge sent, as many as the sender asked for. */
  ack: boolean;
  /** A `subscribe` / `unsubscribe`: a refusal names its request, so the device's call settles. */
  topic: boolean;
}

const REQ_ID = /"reqId"\s*:\s*"([A-Za-z0-9._:@-]{1,64})"/;
const D2D_SEND = /"type"\s*:\s*"d2d\.send"/;
const ACK = /"type"\s*:\s*"ack"/;
const TOPIC_REQUEST = /"type"\s*:\s*"(?:un)?subscribe"/;

/**
 * Handles every frame a device sends: validates it against the protocol, rate-limits, and counts
 * bad frames toward the close limit. Nothing a device sends can throw out of here.
 *
 * Frames over the rate are dropped and do not count as bad frames. A window's first burst of them
 * (2 × framesPerSecond) is answered `rate_limited`, later ones not at all, so a flood cannot make
 * the edge write a reply per frame; past `maxDroppedFrames` in a window the connection is closed 1008.
 */
export class FrameHandler {
  private readonly now: () => number;
  /** framesIn by frame type (the decoded frame's, so one of the protocol's few types). */
  private readonly framesIn: (type: string) => { inc(): void };

  constructor(
    private readonly opts: FrameHandlerOptions,
    private readonly deps: FrameHandlerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.framesIn = labelledCounter(deps.metrics.framesIn);
  }

  /** A text frame off a WebSocket (already size-checked by the transport): rate-limited, then decoded. */
  onText(c: Connection, text: string): void {
    if (c.phase === Phase.Closed) return;
    if (!this.takeToken(c)) {
      this.rateLimited(c, scanRequest(text));
      return;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(text);
    } catch (e) {
      const err = e instanceof ProtocolValidationError ? e : new ProtocolValidationError('invalid_frame', 'unreadable frame');
      // A d2d.send the edge cannot take (too deep, off the schema) whose request id is readable is
      // answered like any refused send, so the device's request settles: `rejected`.
      const refused = scanRequest(text);
      this.badFrame(c, err.code, err.message, refused.d2d ? refused.reqId : undefined, refused.topic ? refused.reqId : undefined);
      // Before first-frame auth a bad frame (unreadable, a token over the size limit) ends the
      // socket at once: waiting out the no-auth TTL would only hold a socket for nobody.
      if (c.phase === Phase.Authenticating)
        this.deps.close(c, CloseCode.AUTH_FAILED, 'authentication failed: the first frame must be auth');
      return;
    }
    this.handle(c, frame);
  }

  /**
   * A frame its transport already decoded (the SSE back-channel answers a bad frame with 400
   * itself, so it decodes first): rate-limited, then handled like any other. False when the rate
   * limit dropped it (the back-channel then answers 429).
   */
  onFrame(c: Connection, frame: ClientFrame): boolean {
    if (c.phase === Phase.Closed) return true;
    if (!this.takeToken(c)) {
      this.rateLimited(c, {
        reqId: 'reqId' in frame ? frame.reqId : undefined,
        d2d: frame.type === 'd2d.send',
        ack: frame.type === 'ack',
        topic: frame.type === 'subscribe' || frame.type === 'unsubscribe',
      });
      return false;
    }
    this.handle(c, frame);
    return true;
  }

  /** Binary frames are not part of the protocol: refused outright. */
  onBinary(c: Connection): void {
    this.deps.metrics.badFrames.inc();
    sendErrorFrame(c, 'binary_not_supported', 'send JSON text frames');
    this.deps.close(c, CloseCode.POLICY_VIOLATION, 'binary frames are not supported');
  }

  private handle(c: Connection, frame: ClientFrame): void {
    this.framesIn(frame.type).inc();
    if (c.phase === Phase.Authenticating) {
      // First-frame auth: nothing but `auth` is processed, and only once.
      if (frame.type !== 'auth') {
        sendErrorFrame(c, 'not_authenticated', 'the first frame must be {"type":"auth","token":…}');
        this.deps.close(c, CloseCode.AUTH_FAILED, 'authentication required');
        return;
      }
      this.deps.authenticate(c, frame.token);
      return;
    }
    switch (frame.type) {
      case 'auth':
        this.deps.refreshToken(c, frame.token);
        return;
      case 'ack':
        this.deps.acks.ack(c, frame.id);
        return;
      case 'ping':
        sendServerFrame(c, { type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}), serverTime: this.now() });
        return;
      case 'd2d.send':
      case 'devices.list':
      case 'devices.subscribe':
        this.deps.requests.handle(c, frame);
        return;
      case 'subscribe':
      case 'unsubscribe':
        this.deps.topics.handle(c, frame);
        return;
    }
  }

  /**
   * Answers a frame over the rate limit: with its request id, so the device can match the answer to
   * its request, and a `d2d.send` with its `d2d.result` like any other refused send.
   */
  private rateLimited(c: Connection, refused: RefusedRequest): void {
    this.deps.metrics.badFrames.inc();
    this.deps.metrics.droppedFrames.inc();
    // Acks answer pushes a sender asked to be acknowledged: a burst of those pushes brings a burst
    // of acks, which is not the device flooding. While acks are awaited they are dropped silently.
    if (refused.ack && c.pendingAcks > 0) return;
    const now = this.now();
    if (now - c.droppedSince >= DROPPED_FRAMES_WINDOW_MS) {
      c.droppedSince = now;
      c.droppedFrames = 0;
    }
    c.droppedFrames++;
    if (c.droppedFrames > this.opts.maxDroppedFrames) {
      this.deps.close(
        c,
        CloseCode.POLICY_VIOLATION,
        `rate limit exceeded: more than ${this.opts.maxDroppedFrames} frames dropped within ${DROPPED_FRAMES_WINDOW_MS / 1000} s`,
      );
      return;
    }
    if (c.droppedFrames > this.opts.framesPerSecond * 2) return; // a burst of answers per window, then silence
    if (refused.reqId && refused.d2d) {
      this.deps.metrics.d2d.labels('rate_limited').inc();
      sendServerFrame(c, { type: 'd2d.result', reqId: refused.reqId, status: 'rate_limited' });
      return;
    }
    sendErrorFrame(c, 'rate_limited', `more than ${this.opts.framesPerSecond} frames per second`, refused.reqId);
  }

  /**
   * A frame that is not valid; `d2dReqId`: it was a d2d.send with this request id, answered
   * `rejected`; `topicReqId`: a subscribe or unsubscribe (a topic name off the schema, a `$` name),
   * whose error names the request.
   */
  private badFrame(c: Connection, code: ErrorCode, message: string, d2dReqId?: string, topicReqId?: string): void {
    this.deps.metrics.badFrames.inc();
    c.badFrames++;
    if (d2dReqId !== undefined) {
      this.deps.metrics.d2d.labels('rejected').inc();
      sendServerFrame(c, { type: 'd2d.result', reqId: d2dReqId, status: 'rejected' });
    } else sendErrorFrame(c, code, message, topicReqId);
    if (c.badFrames >= this.opts.maxBadFrames) {
      this.deps.close(c, CloseCode.POLICY_VIOLATION, `too many bad frames (${c.badFrames})`);
    }
  }

  private takeToken(c: Connection): boolean {
    const now = this.now();
    c.tokens = refill(c.tokens, c.tokensAt, now, this.opts.framesPerSecond, this.opts.framesPerSecond * 2);
    c.tokensAt = now;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }
}

/**
 * The request id and kind of a text frame over the rate limit, found by bounded patterns instead of
 * parsing (parsing is the work the limit saves).
 */
function scanRequest(text: string): RefusedRequest {
  const head = text.length > 4096 ? text.slice(0, 4096) : text;
  const reqId = REQ_ID.exec(head)?.[1];
  return {
    reqId,
    d2d: reqId !== undefined && D2D_SEND.test(head),
    ack: reqId === undefined && ACK.test(head),
    topic: reqId !== undefined && TOPIC_REQUEST.test(head),
  };
}
