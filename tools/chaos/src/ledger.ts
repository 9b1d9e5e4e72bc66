/**
 * What the soak knows about every message it sent: when and to whom, what the sender was told
 * (direct answer, or the enqueue's result), which outcome records followed on
 * pushwire.push-outcomes, and how often the app (the SDK's 'push' event, after its de-duplication)
 * and the wire (raw push frames) saw it. The report is computed from this alone.
 */

/** The two ways a backend sends: push-client `send` (direct) and `enqueue` (queued, via Kafka). */
export type PushPath = 'direct' | 'queued';

/** One outcome record as the soak saw it on the outcomes topic. */
export interface SeenOutcome {
  readonly status: string;
  /** When the soak read it (epoch ms). */
  readonly at: number;
}

/** Everything recorded about one message. */
export interface MessageRecord {
  readonly id: string;
  readonly path: PushPath;
  /** `<accountId>/<deviceId>`. */
  readonly target: string;
  readonly sentAt: number;
  readonly ttlSeconds: number;
  readonly ack: boolean;
  /** The soak phase the message was sent in (`steady`, `kill-edge-1`, …). */
  readonly phase: string;
  /**
   * Direct: the delivery status the send answered (or `error:<code>` when it threw).
   * Queued: `enqueued`, or `enqueue_failed:<code>` when the bus refused it (then it was never sent).
   */
  answer?: string;
  answeredAt?: number;
  outcomes: SeenOutcome[];
  /** 'push' events at the target device (after the SDK's de-duplication). */
  appReceipts: number;
  firstReceivedAt?: number;
  /** Raw push frames at the target device (before de-duplication). */
  wireFrames: number;
  /** Push events at a device that is not the target (must stay 0). */
  misdelivered: number;
}

/** The answers that mean the sender was told the message reached the device. */
export const DELIVERED_STATUSES: ReadonlySet<string> = new Set(['delivered', 'acknowledged']);

/** The per-message store, keyed by message id (ids are unique per run). */
export class Ledger {
  private readonly records = new Map<string, MessageRecord>();
  /** Frames and receipts of ids the soak did not send (must stay empty). */
  unknownReceipts = 0;

  add(record: Omit<MessageRecord, 'outcomes' | 'appReceipts' | 'wireFrames' | 'misdelivered'>): MessageRecord {
    const full: MessageRecord = { ...record, outcomes: [], appReceipts: 0, wireFrames: 0, misdelivered: 0 };
    this.records.set(record.id, full);
    return full;
  }

  get(id: string): MessageRecord | undefined {
    return this.records.get(id);
  }

  answer(id: string, answer: string, at: number): void {
    const r = this.records.get(id);
    if (r) {
      r.answer = answer;
      r.answeredAt = at;
    }
  }

  outcome(id: string, status: string, at: number): void {
    this.records.get(id)?.outcomes.push({ status, at });
  }

  /** A raw push frame reached `device`. */
  frame(id: string, device: string): void {
    const r = this.records.get(id);
    if (r && r.target === device) r.wireFrames++;
  }

  /** The app at `device` was handed the message (the SDK's 'push' event). */
  receipt(id: string, device: string, at: number): void {
    const r = this.records.get(id);
    if (!r) {
      this.unknownReceipts++;
      return;
    }
    if (r.target !== device) {
      r.misdelivered++;
      return;
    }
    r.appReceipts++;
    r.firstReceivedAt ??= at;
  }

  all(): MessageRecord[] {
    return [...this.records.values()];
  }
}
