import type { Connection } from './connection';

export type AckOutcome = 'acknowledged' | 'ack_timeout';

interface Waiter {
  connection: Connection;
  deadline: number;
  resolvers: ((outcome: AckOutcome) => void)[];
}

/**
 * Deliveries waiting for a device's `ack`. All waits share one timeout, so insertion order is
 * deadline order: one timer walks the head of the map instead of one timer per waiting delivery.
 */
export class AckWaiter {
  private readonly waiting = new Map<string, Waiter>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Resolves when `connection` acks `messageId`, or with `ack_timeout` after the timeout or on close. */
  wait(connection: Connection, messageId: string): Promise<AckOutcome> {
    return new Promise((resolve) => {
      const key = keyOf(connection, messageId);
      const existing = this.waiting.get(key);
      if (existing) {
        existing.resolvers.push(resolve);
        return;
      }
      this.waiting.set(key, { connection, deadline: this.now() + this.timeoutMs, resolvers: [resolve] });
      connection.pendingAcks++;
      this.schedule();
    });
  }

  /** The device acked `messageId` on `connection`. Unknown ids are ignored (late or duplicate acks). */
  ack(connection: Connection, messageId: string): boolean {
    return this.settle(keyOf(connection, messageId), 'acknowledged');
  }

  /** The connection closed: its waits end now, unacknowledged. */
  connectionClosed(connection: Connection): void {
    if (connection.pendingAcks === 0) return;
    for (const [key, w] of this.waiting) if (w.connection === connection) this.settle(key, 'ack_timeout');
  }

  close(): void {
    for (const key of [...this.waiting.keys()]) this.settle(key, 'ack_timeout');
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(key: string, outcome: AckOutcome): boolean {
    const w = this.waiting.get(key);
    if (!w) return false;
    this.waiting.delete(key);
    w.connection.pendingAcks--;
    for (const resolve of w.resolvers) resolve(outcome);
    return true;
  }

  private schedule(): void {
    if (this.timer) return;
    const first = this.waiting.values().next();
    if (first.done) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, first.value.deadline - this.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.now();
    for (const [key, w] of this.waiting) {
      if (w.deadline > now) break;
      this.settle(key, 'ack_timeout');
    }
    this.schedule();
  }
}

const keyOf = (c: Connection, messageId: string) => `${c.connectionId}\n${messageId}`;
