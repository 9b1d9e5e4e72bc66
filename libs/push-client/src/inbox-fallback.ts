import { MAX_INBOX_BATCH, type InboxEntry, type InboxStoreResult } from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { Coalescer } from './coalescer';
import { sendResult, type Dispatcher, type Job, type Outcome } from './dispatcher';
import { PushClientError } from './errors';
import type { SendOptions } from './options';

/** A send whose dispatch found the device unreachable, waiting for its inbox entry. */
interface Pending {
  job: Job;
  /** What the dispatch answered: the send's answer again if the message cannot be stored. */
  outcome: Outcome;
  /** When the send was made (the entry's `enqueuedAt`, the latency clock of its outcomes). */
  sentAt: number;
  resolve: (outcome: Outcome) => void;
}

/**
 * Whether a dispatch's outcome means "not reachable now" — `not_connected`, or after the one fresh
 * lookup `gone` or an edge that could not be reached — so a `storeIfOffline` send keeps the message
 * in the device's inbox. Anything else (delivered, backpressure, a refused service token, a registry
 * that could not be asked …) is answered as it is.
 */
export function unreachableNow(outcome: Outcome): boolean {
  if ('result' in outcome) return outcome.result.status === 'not_connected' || outcome.result.status === 'gone';
  return outcome.error instanceof PushClientError && outcome.error.code === 'edge_unavailable' && outcome.error.retriable;
}

/** The send options with the TTL a stored message needs: the caller's, else `defaultTtlSeconds`. */
export function withStoreTtl(opts: SendOptions, defaultTtlSeconds: number): SendOptions {
  return opts.ttlSeconds === undefined ? { ...opts, ttlSeconds: defaultTtlSeconds } : opts;
}

/**
 * Store-and-forward for direct push (`storeIfOffline`): puts the messages of unreachable devices
 * into their inboxes (batched: sends settled in the same tick share one store call per
 * MAX_INBOX_BATCH), then closes the race with a device connecting meanwhile — the edge reads a
 * device's inbox only after its registration is confirmed, so after storing, one FRESH lookup
 * (strongly consistent, no route cache) and a delivery marked `inboxed` reach a device that
 * registered in between. Both may deliver; the device de-duplicates on the message id, and whoever
 * takes the entry out of the inbox reports its final outcome.
 */
export class InboxFallback {
  private readonly coalescer: Coalescer<Pending>;

  constructor(
    private readonly inbox: InboxClient,
    private readonly dispatcher: Dispatcher,
    private readonly now: () => number,
  ) {
    this.coalescer = new Coalescer(0, MAX_INBOX_BATCH, (batch) => void this.storeAll(batch));
  }

  /** The send's answer: `outcome` as it is when the device was reachable, else what storing made of it. */
  settle(job: Job, outcome: Outcome, sentAt: number): Promise<Outcome> {
    if (!unreachableNow(outcome)) return Promise.resolve(outcome);
    return new Promise((resolve) => this.coalescer.add({ job, outcome, sentAt, resolve }));
  }

  /** Never rejects: every pending send is resolved. */
  private async storeAll(batch: Pending[]): Promise<void> {
    const entries = batch.map((p) => this.entryOf(p));
    let results: InboxStoreResult[];
    try {
      results = await this.inbox.store(entries);
    } catch (e) {
      for (const p of batch) p.resolve(storeFailed(p.outcome, e));
      return;
    }
    const stored: { pending: Pending; entry: InboxEntry }[] = [];
    batch.forEach((pending, i) => {
      const entry = entries[i];
      const outcome = results[i]?.outcome;
      if (outcome === 'stored') stored.push({ pending, entry });
      else if (outcome === 'overflow' || outcome === 'expired') pending.resolve({ result: sendResult(pending.job, outcome) });
      else if (outcome === 'duplicate') {
        // Already in the inbox (a retried send), or taken out with its final outcome: delivering it
        // again would repeat a message that is done, so no race closure for it.
        const why = 'a message with this id is already in the inbox, or already had its final outcome';
        pending.resolve({ result: { ...sendResult(pending.job, 'stored'), error: why } });
      } else pending.resolve(storeFailed(pending.outcome, new Error(`the inbox answered no result for message ${entry.message.id}`)));
    });
    if (stored.length) await this.closeRace(stored);
  }

  /** The fresh lookup and `inboxed` delivery after storing: `delivered` / `acknowledged` when it reached the device, else `stored`. */
  private async closeRace(stored: { pending: Pending; entry: InboxEntry }[]): Promise<void> {
    const jobs = stored.map(({ pending, entry }) => {
      const job: Job = {
        target: pending.job.target,
        message: pending.job.message,
        inboxed: true,
        attempts: pending.job.attempts,
        settle: (outcome) => {
          const reached = 'result' in outcome && (outcome.result.status === 'delivered' || outcome.result.status === 'acknowledged');
          const result = reached ? outcome.result : sendResult(job, 'stored');
          pending.resolve({ result: { ...result, storedAt: entry.storedAt } });
        },
      };
      return job;
    });
    await this.dispatcher.dispatchFresh(jobs);
  }

  private entryOf({ job, sentAt }: Pending): InboxEntry {
    const { message } = job;
    // buildMessage gave every storeIfOffline message its TTL (withStoreTtl) and its createdAt.
    const ttlSeconds = message.ttlSeconds!;
    const createdAt = message.createdAt ?? sentAt;
    return {
      target: { accountId: job.target.accountId, deviceId: job.target.deviceId },
      message,
      enqueuedAt: sentAt,
      expiresAt: createdAt + ttlSeconds * 1000,
      storedAt: this.now(),
      source: 'direct',
      attempts: job.attempts,
    };
  }
}

/**
 * The inbox could not take the message: the send answers what its dispatch found (the device is
 * still not reachable: that stays true), saying that storing failed too.
 */
function storeFailed(outcome: Outcome, e: unknown): Outcome {
  const why = `storing it in the device's inbox failed: ${e instanceof Error ? e.message : String(e)}`;
  if ('result' in outcome) return { result: { ...outcome.result, error: why } };
  const before = outcome.error as PushClientError;
  return { error: new PushClientError(before.code, `${before.message}; ${why}`, before.retriable, { cause: before }) };
}
