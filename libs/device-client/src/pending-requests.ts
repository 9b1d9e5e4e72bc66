import { checkClientFrame, ProtocolValidationError, type ClientFrame, type ServerFrameOf } from '@pushwire/protocol/core';
import { DeviceClientError } from './errors';
import { unrefTimeout } from './timers';

/** Reply frames, by the request type they answer. */
export interface ReplyOf {
  'd2d.send': ServerFrameOf<'d2d.result'>;
  'devices.list': ServerFrameOf<'devices.list.result'>;
  'devices.subscribe': ServerFrameOf<'devices.subscribe.result'>;
  subscribe: ServerFrameOf<'subscribe.result'>;
  unsubscribe: ServerFrameOf<'unsubscribe.result'>;
}
type ReplyFrame = ReplyOf[keyof ReplyOf];

const replyType: { [K in keyof ReplyOf]: ReplyOf[K]['type'] } = {
  'd2d.send': 'd2d.result',
  'devices.list': 'devices.list.result',
  'devices.subscribe': 'devices.subscribe.result',
  subscribe: 'subscribe.result',
  unsubscribe: 'unsubscribe.result',
};

interface Pending {
  expects: ReplyFrame['type'];
  resolve(frame: ReplyFrame): void;
  reject(error: DeviceClientError): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Requests in flight on the current connection, matched to their replies by `reqId`. Replies never
 * cross connections, so a dropped connection rejects everything still pending.
 */
export class PendingRequests {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private readonly prefix: string;

  /** `onSettled` runs synchronously each time a request leaves the table (answered, rejected, timed out). */
  constructor(
    private readonly timeoutMs: number,
    random: () => number,
    private readonly onSettled: () => void = () => undefined,
  ) {
    // A per-client prefix keeps ids distinct across clients sharing one edge log.
    this.prefix = Math.floor(random() * 36 ** 6).toString(36);
  }

  nextId(): string {
    return `${this.prefix}-${++this.seq}`;
  }

  /** Waits for the reply to `reqId` of a `kind` request, or rejects with `timeout` after `timeoutMs`. */
  track<K extends keyof ReplyOf>(kind: K, reqId: string, timeoutMs = this.timeoutMs): Promise<ReplyOf[K]> {
    return new Promise<ReplyOf[K]>((resolve, reject) => {
      const timer = unrefTimeout(() => {
        this.reject(reqId, new DeviceClientError('timeout', `no reply to ${kind} ${reqId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(reqId, { expects: replyType[kind], resolve: resolve as (f: ReplyFrame) => void, reject, timer });
    });
  }

  /**
   * Settles the request a reply frame answers. Returns true only if a request was waiting for
   * exactly this reply; a reply of the wrong type rejects the request with `invalid_frame`.
   */
  resolve(frame: ReplyFrame): boolean {
    const entry = this.take(frame.reqId);
    if (!entry) return false;
    const matches = frame.type === entry.expects;
    if (matches) entry.resolve(frame);
    else entry.reject(new DeviceClientError('invalid_frame', `expected ${entry.expects} for ${frame.reqId}, got ${frame.type}`));
    this.onSettled();
    return matches;
  }

  /** Rejects one request (an `error` frame carrying its reqId, a failed send, its timeout). */
  reject(reqId: string, error: DeviceClientError): boolean {
    const entry = this.take(reqId);
    if (!entry) return false;
    entry.reject(error);
    this.onSettled();
    return true;
  }

  /** The reply type the request `reqId` waits for, if it is pending. */
  expects(reqId: string): ReplyFrame['type'] | undefined {
    return this.pending.get(reqId)?.expects;
  }

  /** Whether any pending request waits for a reply of this type. */
  awaits(type: ReplyFrame['type']): boolean {
    for (const entry of this.pending.values()) if (entry.expects === type) return true;
    return false;
  }

  rejectAll(error: DeviceClientError): void {
    for (const reqId of [...this.pending.keys()]) this.reject(reqId, error);
  }

  private take(reqId: string): Pending | undefined {
    const entry = this.pending.get(reqId);
    if (!entry) return undefined;
    this.pending.delete(reqId);
    clearTimeout(entry.timer);
    return entry;
  }
}

/**
 * Validates a request frame as the edge will (after JSON encoding, which drops `undefined`), so an
 * invalid one is refused at once: the edge's `error` frame for it could not name the request.
 */
export function checkOutgoing(frame: ClientFrame): void {
  try {
    checkClientFrame(frame);
  } catch (e) {
    const code = e instanceof ProtocolValidationError ? e.code : 'invalid_frame';
    throw new DeviceClientError(code, `not sending an invalid ${frame.type}: ${(e as Error).message}`, false, { cause: e });
  }
}
