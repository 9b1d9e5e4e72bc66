import {
  deviceRefKey,
  finalStage,
  inboxOutcome,
  MAX_INBOX_BATCH,
  type Delivery,
  type DeliveryResult,
  type InboxRemoveItem,
  type InboxRemoveResult,
  type PushOutcomeRecord,
} from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { messageIdsForLog, type JournalRecorder, type Logger } from '@pushwire/service-kit';
import type { Deliverer } from './delivery';
import { FlushLoop, type FlushLoopOptions } from './flush-loop';

/** Where the final outcomes of stored messages go: `pushwire.push-outcomes`, or nowhere on an edge without a bus. */
export interface OutcomeSink {
  publish(record: PushOutcomeRecord): void;
  close(): Promise<void>;
}

/** The statuses that end a stored message's life at the edge; any other leaves it in the inbox. */
type FinalStatus = 'delivered' | 'acknowledged';

interface Removal {
  item: InboxRemoveItem;
  status: FinalStatus;
  /** Resolved once the removal was answered (or given up at close). */
  done: (() => void)[];
}

export interface InboxSettlementDeps {
  edgeId: string;
  inbox: InboxClient;
  outcomes: OutcomeSink;
  logger: Logger;
  now: () => number;
  /** Where the final outcome this edge reports is recorded (pushctl trace). */
  journal?: JournalRecorder;
  /** Told what each answered removal came to: `taken` (this edge reports the outcome) or `gone` (someone else took it). */
  onRemoved?: (result: 'taken' | 'gone') => void;
  onError?: (err: unknown) => void;
}

export interface InboxSettlementOptions extends FlushLoopOptions {
  /** Coalescing window of removals. Default 5 ms. */
  flushDelayMs?: number;
}

/**
 * Settles deliveries of stored messages (`inboxed: true`, from a sender's race closure or from the
 * edge's own InboxDrain): one that ended `delivered` (no ack asked) or `acknowledged` is taken out
 * of its device's inbox, in batches, retried with backoff while the registry is unreachable; for
 * each removal that actually took the entry (the rule of finality: exactly one taker reports) its
 * final outcome is published. Anything else — ack_timeout, backpressure, gone — leaves the message
 * in the inbox for the next connect or the expiry sweep.
 */
export class InboxSettlement {
  /** deviceRefKey + message id → the removal not yet answered. */
  private readonly pending = new Map<string, Removal>();
  private readonly loop: FlushLoop;
  private readonly flushDelayMs: number;

  constructor(
    private readonly deps: InboxSettlementDeps,
    opts: InboxSettlementOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.loop = new FlushLoop(
      () => this.removeBatch(),
      () => this.pending.size,
      opts,
    );
  }

  /** Removals not yet answered by the registry. */
  get backlog(): number {
    return this.pending.size;
  }

  /** Takes `d` out of its inbox if `result` ended its life; resolves once that removal was answered (at once otherwise). */
  settle(d: Delivery, result: DeliveryResult): Promise<void> {
    if (!d.inboxed || (result.status !== 'delivered' && result.status !== 'acknowledged')) return Promise.resolve();
    const item: InboxRemoveItem = { accountId: d.accountId, deviceId: d.deviceId, messageId: d.message.id };
    const key = `${deviceRefKey(item)}\n${item.messageId}`;
    return new Promise((resolve) => {
      const queued = this.pending.get(key);
      // Delivered twice (a sender's race closure and the drain): one removal; an ack is the stronger outcome.
      if (queued) {
        if (result.status === 'acknowledged') queued.status = 'acknowledged';
        queued.done.push(resolve);
      } else {
        this.pending.set(key, { item, status: result.status as FinalStatus, done: [resolve] });
      }
      this.loop.schedule(this.flushDelayMs);
    });
  }

  /** Sends the removals still queued (one last try each), then resolves every waiter. */
  async close(): Promise<void> {
    await this.loop.close();
    if (this.pending.size)
      this.deps.logger.warn(
        { left: this.pending.size, messageIds: messageIdsForLog([...this.pending.values()].map((r) => r.item.messageId)) },
        'inbox removals not sent at shutdown: those messages stay stored',
      );
    for (const r of this.pending.values()) for (const done of r.done) done();
    this.pending.clear();
  }

  private async removeBatch(): Promise<boolean> {
    const batch: [string, Removal][] = [];
    for (const entry of this.pending) {
      if (batch.length >= MAX_INBOX_BATCH) break;
      batch.push(entry);
    }
    for (const [key] of batch) this.pending.delete(key);
    let results: InboxRemoveResult[];
    try {
      results = await this.deps.inbox.remove(batch.map(([, r]) => r.item));
    } catch (err) {
      // Back in the queue, merged with whatever came for the same message meanwhile.
      for (const [key, r] of batch) {
        const later = this.pending.get(key);
        if (later) later.done.push(...r.done);
        this.pending.set(key, later ?? r);
      }
      this.deps.onError?.(err);
      const messageIds = messageIdsForLog(batch.map(([, r]) => r.item.messageId));
      this.deps.logger.warn({ err, count: batch.length, messageIds }, 'inbox remove failed; will retry');
      return false;
    }
    const now = this.deps.now();
    batch.forEach(([, r], i) => {
      const entry = results[i]?.entry;
      this.deps.onRemoved?.(entry ? 'taken' : 'gone');
      if (entry)
        this.deps.journal?.record(finalStage(r.status), entry.message.id, entry.target, { status: r.status, edgeId: this.deps.edgeId });
      if (entry) this.deps.outcomes.publish(inboxOutcome(entry, r.status, now, { edgeId: this.deps.edgeId }));
      for (const done of r.done) done();
    });
    return true;
  }
}

/**
 * The Deliverer as senders reach it: every delivery of a stored message (`inboxed: true`) is handed
 * to the settlement with its result. Plain deliveries stay synchronous.
 */
export function settlingDeliverer(deliverer: Pick<Deliverer, 'deliver'>, settlement: InboxSettlement): Pick<Deliverer, 'deliver'> {
  return {
    deliver(d) {
      const result = deliverer.deliver(d);
      if (!d.inboxed) return result;
      if (result instanceof Promise) return result.then((r) => (void settlement.settle(d, r), r));
      void settlement.settle(d, result);
      return result;
    },
  };
}

/** The outcome sink of an edge without an event bus: outcomes cannot be reported; said once, counted always. */
export function unpublishedOutcomes(logger: Logger, onUnpublished: () => void): OutcomeSink {
  let told = false;
  return {
    publish(record) {
      onUnpublished();
      if (told) return;
      told = true;
      logger.warn(
        { messageId: record.messageId, status: record.status },
        'this edge has no event bus: final outcomes of stored messages it delivers are not reported (set KAFKA_BROKERS)',
      );
    },
    close: async () => undefined,
  };
}
