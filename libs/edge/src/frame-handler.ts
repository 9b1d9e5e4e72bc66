import {
  CloseCode,
  decodeClientFrame,
  encodeFrame,
  ProtocolValidationError,
  type ClientFrame,
  type ErrorCode,
  type ServerFrame,
} from '@pushwire/protocol';
import type { AckWaiter } from './acks';
import type { DeviceRequestFrame } from './devices/device-requests';
import { Phase, type Connection } from './connection';
import type { EdgeMetrics } from './edge-metrics';
import { refill } from './token-bucket';
import { sendFrame } from './transport';

export interface FrameHandlerOptions {
  maxBadFrames: number;
  /** Token bucket: sustained frames per second per connection; bursts up to twice that. */
  framesPerSecond: number;
}

/** What the frame handler needs from the edge around it. */
export interface FrameHandlerHost {
  /** First-frame auth: verify the token and open the connection, or close it 4003. */
  authenticateFirstFrame(c: Connection, token: string): void;
  close(c: Connection, code: number, reason: string): void;
  /**
   * Device requests that need other services (device list, device to device). Answers are sent by
   * the host; the default host answers that the feature is not enabled on this edge.
   */
  deviceRequest(c: Connection, frame: DeviceRequestFrame): void;
}

const REQ_ID = /"reqId"\s*:\s*"([A-Za-z0-9._:@-]{1,64})"/;
const D2D_SEND = /"type"\s*:\s*"d2d\.send"/;

/**
 * Handles every frame a device sends: validates it against the protocol, rate-limits, and counts
 * bad frames toward the close limit. Nothing a device sends can throw out of here.
 */
export class FrameHandler {
  constructor(
    private readonly opts: FrameHandlerOptions,
    private readonly acks: AckWaiter,
    private readonly host: FrameHandlerHost,
    private readonly metrics: EdgeMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** A text frame (already size-checked by the transport). */
  onText(c: Connection, text: string): void {
    if (c.phase === Phase.Closed) return;
    if (!this.takeToken(c)) {
      this.metrics.badFrames.inc();
      this.rateLimited(c, text);
      return;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(text);
    } catch (e) {
      const err = e instanceof ProtocolValidationError ? e : new ProtocolValidationError('invalid_frame', 'unreadable frame');
      this.badFrame(c, err.code, err.message);
      return;
    }
    this.metrics.framesIn.labels(frame.type).inc();
    if (c.phase === Phase.Authenticating) {
      // First-frame auth: nothing but `auth` is processed, and only once.
      if (frame.type !== 'auth') {
        this.sendError(c, 'not_authenticated', 'the first frame must be {"type":"auth","token":…}');
        this.host.close(c, CloseCode.AUTH_FAILED, 'authentication required');
        return;
      }
      this.host.authenticateFirstFrame(c, frame.token);
      return;
    }
    switch (frame.type) {
      case 'auth':
        this.badFrame(c, 'invalid_frame', 'already authenticated');
        return;
      case 'ack':
        this.acks.ack(c, frame.id);
        return;
      case 'ping':
        this.send(c, { type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}), serverTime: this.now() });
        return;
      case 'd2d.send':
      case 'devices.list':
      case 'devices.subscribe':
        this.host.deviceRequest(c, frame);
        return;
    }
  }

  /** Binary frames are not part of the protocol: refused outright. */
  onBinary(c: Connection): void {
    this.metrics.badFrames.inc();
    this.sendError(c, 'binary_not_supported', 'send JSON text frames');
    this.host.close(c, CloseCode.POLICY_VIOLATION, 'binary frames are not supported');
  }

  send(c: Connection, frame: ServerFrame): void {
    sendFrame(c, encodeFrame(frame));
  }

  sendError(c: Connection, code: ErrorCode, message: string, reqId?: string): void {
    this.send(c, { type: 'error', code, message, ...(reqId ? { reqId } : {}) });
  }

  /**
   * Answers a frame over the rate limit without parsing it (parsing is the work the limit saves):
   * the request id, found by a bounded pattern, lets the device match the answer to its request, and
   * a `d2d.send` gets its `d2d.result` like any other refused send.
   */
  private rateLimited(c: Connection, text: string): void {
    const reqId = REQ_ID.exec(text.length > 4096 ? text.slice(0, 4096) : text)?.[1];
    if (reqId && D2D_SEND.test(text.slice(0, 4096))) {
      this.metrics.d2d.labels('rate_limited').inc();
      this.send(c, { type: 'd2d.result', reqId, status: 'rate_limited' });
      return;
    }
    this.sendError(c, 'rate_limited', `more than ${this.opts.framesPerSecond} frames per second`, reqId);
  }

  private badFrame(c: Connection, code: ErrorCode, message: string): void {
    this.metrics.badFrames.inc();
    c.badFrames++;
    this.sendError(c, code, message);
    if (c.badFrames >= this.opts.maxBadFrames) {
      this.host.close(c, CloseCode.POLICY_VIOLATION, `too many bad frames (${c.badFrames})`);
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
