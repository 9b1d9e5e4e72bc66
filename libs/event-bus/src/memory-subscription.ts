import { IdleWaiters } from './idle-waiters';
import type { ResolvedSubscribeOptions } from './bus-options';
import type { BatchContext, PartitionLag, Subscription } from './event-bus';
import type { Claim, GroupMember, MemoryGroup } from './memory-group';
import { RedeliveryBackoff, type HandlerRejectionListener, type RedeliveryBackoffOptions } from './redelivery-backoff';

/** What a subscription takes from its bus's options. */
export interface MemorySubscriptionTuning {
  readonly onHandlerRejected?: HandlerRejectionListener;
  readonly redeliveryBackoff?: RedeliveryBackoffOptions;
}

/**
 * One member of a memory-bus consumer group: `partitionsConcurrently` workers, each taking a batch
 * of a partition this member owns, handing it to the handler and committing it when the handler
 * resolves. Idle workers wait on a promise that publish, rebalances and expiring backoffs resolve:
 * nothing polls.
 */
export class MemorySubscription implements Subscription, GroupMember {
  private running = true;
  private readonly idle = new IdleWaiters();
  private readonly workers: Promise<void>[];
  private readonly backoff: RedeliveryBackoff;
  private readonly ctx: BatchContext = { heartbeat: async () => undefined, isRunning: () => this.running };
  private stopped?: Promise<void>;

  constructor(
    private readonly opts: ResolvedSubscribeOptions,
    private readonly group: MemoryGroup,
    private readonly tuning: MemorySubscriptionTuning,
    private readonly onStopped: (sub: MemorySubscription) => void,
  ) {
    this.backoff = new RedeliveryBackoff(tuning.redeliveryBackoff);
    group.join(this);
    this.workers = Array.from({ length: opts.partitionsConcurrently }, () => this.work());
  }

  get topics(): readonly string[] {
    return this.opts.topics;
  }

  get fromBeginning(): boolean {
    return this.opts.fromBeginning;
  }

  wake(): void {
    this.idle.wakeAll();
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.running = false;
      this.wake();
      await Promise.all(this.workers);
      this.backoff.cancelAll();
      this.group.leave(this);
      this.onStopped(this);
    })();
    return this.stopped;
  }

  async lag(): Promise<PartitionLag[]> {
    return this.group.lag(this.opts.topics);
  }

  private async work(): Promise<void> {
    while (this.running) {
      const claim = this.group.claim(this, this.opts.maxBatchSize, Date.now());
      if (claim) await this.handle(claim);
      // Registered synchronously after a fruitless claim, so no wake in between can be missed.
      else await this.idle.wait();
    }
  }

  private async handle(claim: Claim): Promise<void> {
    try {
      await this.opts.handler(claim.records, this.ctx);
    } catch (error) {
      if (!this.running) {
        // Stopping: the batch stays uncommitted for the group's next member; no retry from here.
        this.group.release(claim, 0);
        return;
      }
      const { attempt, delayMs } = this.backoff.failed(claim.key, () => this.group.backoffOver(claim.key));
      this.group.release(claim, Date.now() + delayMs);
      this.tuning.onHandlerRejected?.({
        groupId: this.group.id,
        topic: claim.topic,
        partition: claim.partition,
        firstOffset: claim.records[0].offset,
        records: claim.records.length,
        attempt,
        delayMs,
        error,
      });
      return;
    }
    this.backoff.succeeded(claim.key);
    this.group.complete(claim);
  }
}
