import type { DeliveryStatus, PushMessage, PushTarget } from '@pushwire/protocol';
import { PushClientError, type PushClient } from '@pushwire/push-client';

/** The result of one delivery attempt. */
export interface DeliveryAttempt {
  readonly status: DeliveryStatus;
  readonly edgeId?: string;
  readonly retryAfterMs?: number;
  /** Why, when the status alone does not say it (an unreachable registry or edge). */
  readonly detail?: string;
}

/** Per-delivery options. */
export interface DeliveryOptions {
  /**
   * The message is already in the device's inbox (the race closure after storing it): the edge
   * that delivers it takes it out of the inbox and reports its final outcome.
   */
  readonly inboxed?: boolean;
}

/** One delivery of a `deliverMany` call. */
export interface DeliveryItem {
  readonly target: PushTarget;
  readonly message: PushMessage;
  readonly opts?: DeliveryOptions;
}

/** How the processor delivers one message to one device (account and id): the direct path (registry lookup + edge). */
export interface DeliveryPort {
  deliver(target: PushTarget, message: PushMessage, opts?: DeliveryOptions): Promise<DeliveryAttempt>;
  /**
   * Many deliveries at once, one attempt per item in order, each exactly as `deliver` would give it
   * (optional: without it, DeliveryWaves calls `deliver` per item in one go).
   */
  deliverMany?(items: readonly DeliveryItem[]): Promise<DeliveryAttempt[]>;
}

/**
 * Delivery through the push client, exactly as direct push does (route cache, one re-lookup on
 * gone/not_connected, batching per edge). The push client caches only live routes and drops one
 * on `gone`/`not_connected`, so a device the previous attempt found offline is looked up afresh:
 * what the race closure after storing needs. Its typed failures become the `unavailable` status so
 * the retry policy treats an unreachable registry or edge like any transient status.
 */
export function pushClientDelivery(client: PushClient): DeliveryPort {
  // No deliverMany: DeliveryWaves calls deliver for a whole wave in one synchronous loop, and the
  // push client's coalescer makes those sends one dispatch — one registry lookup for the routes it
  // lacks and one request per edge (and chunk of its batchMaxSize) — each still settling alone.
  return {
    async deliver(target, message, opts) {
      try {
        const r = await client.send(target, message.payload, {
          id: message.id,
          ttlSeconds: message.ttlSeconds,
          priority: message.priority,
          ack: message.ackRequired,
          ...(opts?.inboxed ? { inboxed: true } : {}),
        });
        return { status: r.status, edgeId: r.edgeId, retryAfterMs: r.retryAfterMs, detail: r.error };
      } catch (e) {
        if (!(e instanceof PushClientError)) throw e;
        return { status: e.retriable ? 'unavailable' : 'rejected', detail: `${e.code}: ${e.message}` };
      }
    },
  };
}
