import type { Delivery, DeliveryResult, DeliveryStatus, ServerFrameOf } from '@pushwire/protocol';
import { checkCreatedAt, encodeFrame } from '@pushwire/protocol';
import { NO_JOURNAL, type JournalRecorder } from '@pushwire/service-kit';
import type { AckWaiter } from './acks';
import { Phase, type Connection } from './connection';
import type { ConnectionTable } from './connection-table';
import type { EdgeMetrics } from './edge-metrics';
import { pushFrameText } from './push-frame';
import { bufferedBytes, SendOutcome, sendFrame } from './transport';

export interface DeliveryLimits {
  /** Buffered bytes above which a delivery answers `backpressure` instead of queueing more. */
  sendBufferBytes: number;
  /** Largest encoded push frame (bytes) a device is sent. */
  maxMessageBytes: number;
}

/** How long a sender should wait before retrying a `backpressure` delivery. */
export const BACKPRESSURE_RETRY_AFTER_MS = 1000;

/**
 * Writes pushes to local connections and decides each delivery's status (docs/architecture.md, Flows): expired
 * (also a createdAt older than the longest TTL), not_connected, gone (fencing by connection id),
 * rejected (too large, or a createdAt more than the leeway ahead), backpressure, delivered, or
 * — when the sender asked for an ack — acknowledged / ack_timeout.
 */
export class Deliverer {
  constructor(
    private readonly edgeId: string,
    private readonly table: ConnectionTable,
    private readonly acks: AckWaiter,
    private readonly limits: DeliveryLimits,
    private readonly metrics: EdgeMetrics,
    private readonly onSlowConsumer: (c: Connection) => void,
    private readonly now: () => number = Date.now,
    /** Where each write and each answer short of one is recorded (pushctl trace). */
    private readonly journal: JournalRecorder = NO_JOURNAL,
  ) {}

  /** Synchronous unless an ack is awaited, so a batch of plain pushes needs no promise per message. */
  deliver(d: Delivery): DeliveryResult | Promise<DeliveryResult> {
    const m = d.message;
    const now = this.now();
    // A createdAt far ahead would make a message that never expires; one older than any TTL has expired.
    const age = m.createdAt === undefined ? 'ok' : checkCreatedAt(m.createdAt, now);
    if (age === 'future') return this.result(d, 'rejected');
    if (age === 'too_old') return this.result(d, 'expired');
    if (m.ttlSeconds !== undefined && m.createdAt !== undefined && m.createdAt + m.ttlSeconds * 1000 <= now) {
      return this.result(d, 'expired');
    }
    // Found by account and device: another account's connection with this device id is not this device.
    const c = this.table.get(d.accountId, d.deviceId);
    if (!c || (c.phase !== Phase.Open && c.phase !== Phase.Closing)) {
      // A sender holding a route (connection id) to this edge has a stale route; without one it asked blind.
      return this.result(d, d.connectionId ? 'gone' : 'not_connected');
    }
    if (d.connectionId !== undefined && d.connectionId !== c.connectionId) return this.result(d, 'gone');
    if (bufferedBytes(c) >= this.limits.sendBufferBytes) {
      if (c.overLimitSince === 0) c.overLimitSince = now;
      return this.result(d, 'backpressure', BACKPRESSURE_RETRY_AFTER_MS);
    }
    // A relayed device-to-device message (`from` set) reaches the device as `d2d.message`; a push's
    // frame is spliced (push-frame.ts): no frame object per delivery.
    const text =
      d.from !== undefined
        ? encodeFrame({ type: 'd2d.message', id: m.id, from: d.from, payload: m.payload } satisfies ServerFrameOf<'d2d.message'>)
        : pushFrameText(m, m.createdAt ?? now);
    // Characters ≤ bytes ≤ 3 × characters for UTF-16 → UTF-8: measure bytes only when it matters.
    if (
      text.length > this.limits.maxMessageBytes ||
      (text.length * 3 > this.limits.maxMessageBytes && Buffer.byteLength(text) > this.limits.maxMessageBytes)
    ) {
      return this.result(d, 'rejected');
    }
    const ackWait = m.ackRequired ? this.acks.wait(c, m.id) : undefined;
    const outcome = sendFrame(c, text);
    if (outcome === SendOutcome.Dropped) {
      // Past the hard buffer limit: the device cannot keep up at all.
      this.onSlowConsumer(c);
      return this.result(d, 'backpressure', BACKPRESSURE_RETRY_AFTER_MS);
    }
    this.journal.record('written', m.id, d, writtenDetail(this.edgeId, d));
    if (ackWait) return ackWait.then((status) => this.result(d, status));
    return this.result(d, 'delivered');
  }

  private result(d: Delivery, status: DeliveryStatus, retryAfterMs?: number): DeliveryResult {
    this.metrics.delivery(status);
    if (status !== 'delivered') this.journal.record(edgeStage(status), d.message.id, d, { status, edgeId: this.edgeId });
    // One object of one shape per delivery (no spread of a temporary): the batch answer holds 500 of them.
    const result: DeliveryResult = { accountId: d.accountId, deviceId: d.deviceId, messageId: d.message.id, status, edgeId: this.edgeId };
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    return result;
  }
}

/** The journal stage of a delivery answered otherwise than `delivered` (whose write is recorded as `written`). */
const edgeStage = (status: DeliveryStatus) => (status === 'acknowledged' || status === 'ack_timeout' ? status : 'not_written');

/** What `written` records: the edge, and whether the message came from the inbox, waits for an ack, or is a d2d relay (its sender). */
const writtenDetail = (edgeId: string, d: Delivery) => ({ edgeId, inboxed: d.inboxed, ackRequired: d.message.ackRequired, from: d.from });
