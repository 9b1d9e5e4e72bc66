import { RandomIds } from '../random-ids';
import {
  deviceRefKey,
  MAX_LINK_BATCH,
  type ClientFrameOf,
  type Delivery,
  type DeliveryResult,
  type DeliveryStatus,
  type DeviceRef,
  type Registration,
} from '@pushwire/protocol';
import type { RegistryClient, RouteCache } from '@pushwire/registry-client';
import { Phase, type Connection } from '../connection';
import type { D2dParty, D2dPolicy } from './d2d-policy';

/** Relays deliveries to the edge at `edgeUrl` (its internal URL as the registry names it). */
export interface RelayTransport {
  relay(edgeUrl: string, deliveries: Delivery[]): Promise<DeliveryStatus[]>;
}

export interface D2dRouterDeps {
  edgeId: string;
  /** The live local connection of a device (account and device id), if this edge holds one. */
  localConnection(accountId: string, deviceId: string): Connection | undefined;
  /** Writes a delivery to a local connection (the edge's Deliverer). */
  deliverLocal(d: Delivery): DeliveryResult | Promise<DeliveryResult>;
  registry: RegistryClient;
  /** How deliveries reach another edge: its edge link (EdgeLinks). One status per delivery, in order; never rejects. */
  transport: RelayTransport;
  /** Where remote devices were last seen: cached, fenced by connection id, dropped on `gone`. */
  routes: RouteCache;
  policy: D2dPolicy;
  now?: () => number;
}

/**
 * Device to device (docs/architecture.md, Flows): `to` names a device of the sender's own account — the sender's
 * account scopes the target, so no `d2d.send` can name, reach or probe another account's device
 * (a device id elsewhere is `not_connected`, like one that does not exist). Within the account the
 * policy authorizes it, and the message goes out as a `d2d.message` frame — to a local socket at once, else to the target's edge over the edge link to it,
 * found in the route cache or, on a miss, the registry. The hot path (cached route, same-account
 * policy) does no registry call, and the sends that miss the cache while a device's lookup is under
 * way share it. A stale cached route (`gone`, or `not_connected` from an edge that no longer holds
 * the device) is dropped and looked up once more. Messages for another edge are relayed in one
 * link request per edge and event-loop turn.
 */
export class D2dRouter {
  private readonly now: () => number;
  /** Registry lookups under way, by deviceRefKey: the sends to a device missing from the route cache share one. */
  private readonly lookups = new Map<string, Promise<Registration | undefined>>();
  /** Relayed deliveries waiting for the end of this event-loop turn, by edge URL. */
  private readonly outbox = new Map<string, RelayEntry[]>();
  private flushScheduled = false;

  constructor(private readonly deps: D2dRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Routes one `d2d.send`; `answer` is told its status once — at once (before this returns) when it
   * is known without waiting (local, forbidden), else when the target's edge answered. The hot
   * path (cached route) allocates the delivery and one batch entry per message: no promise, no closure.
   */
  route(from: Connection, frame: ClientFrameOf<'d2d.send'>, answer: D2dAnswer): void {
    const sender: D2dParty = from;
    const message = { id: messageIds.next(), payload: frame.payload, createdAt: this.now() };
    const local = this.deps.localConnection(from.accountId, frame.to);
    if (local && (local.phase === Phase.Open || local.phase === Phase.Closing)) {
      if (!this.deps.policy.allows(sender, local)) return answer.settle('forbidden');
      const result = this.deps.deliverLocal({
        accountId: from.accountId,
        deviceId: frame.to,
        connectionId: local.connectionId,
        message,
        from: from.deviceId,
      });
      if (result instanceof Promise)
        settleLater(
          answer,
          result.then((r) => r.status),
        );
      else answer.settle(result.status);
      return;
    }
    const to: DeviceRef = { accountId: from.accountId, deviceId: frame.to };
    const cached = this.deps.routes.get(to);
    if (!cached) {
      settleLater(answer, this.lookupAndSend(sender, to, message, false));
      return;
    }
    if (!this.deps.policy.allows(sender, cached)) return answer.settle('forbidden');
    // A stale cached route (`gone`, or `not_connected` from an edge that no longer holds the device) is dropped and looked up once more (settleEntry).
    this.relay(cached.edgeUrl, { delivery: this.deliveryTo(sender, cached, message), answer, sender, stale: cached });
  }

  private async lookupAndSend(sender: D2dParty, to: DeviceRef, message: Delivery['message'], fresh: boolean): Promise<DeliveryStatus> {
    let route: Registration | undefined;
    try {
      route = await this.lookup(to, fresh);
    } catch {
      return 'unavailable';
    }
    if (!route) return 'not_connected';
    // The registry still names this edge, but the device is not here (any more): it is gone.
    if (route.edgeId === this.deps.edgeId) return 'not_connected';
    this.deps.routes.set(route);
    if (!this.deps.policy.allows(sender, route)) return 'forbidden';
    const found = route;
    return new Promise<DeliveryStatus>((settle, fail) =>
      this.relay(found.edgeUrl, { delivery: this.deliveryTo(sender, found, message), answer: { settle, fail }, sender, stale: undefined }),
    );
  }

  /**
   * The registry's record of `to`, shared with the other sends to it while the lookup is under way
   * (a burst to a device whose route is not cached costs one lookup, not one per message); `fresh`
   * starts a new one, which later sends then share.
   */
  private lookup(to: DeviceRef, fresh: boolean): Promise<Registration | undefined> {
    const key = deviceRefKey(to);
    const pending = fresh ? undefined : this.lookups.get(key);
    if (pending) return pending;
    const started = this.deps.registry.lookup([to]).then((r) => r.registrations[0]);
    this.lookups.set(key, started);
    const forget = () => {
      if (this.lookups.get(key) === started) this.lookups.delete(key);
    };
    started.then(forget, forget);
    return started;
  }

  private deliveryTo(sender: D2dParty, route: Registration, message: Delivery['message']): Delivery {
    return { accountId: route.accountId, deviceId: route.deviceId, connectionId: route.connectionId, message, from: sender.deviceId };
  }

  /**
   * Relays a delivery to another edge. What is relayed during one turn of the event loop (the
   * messages read in one poll) goes to each edge as one link request when the turn ends
   * (setImmediate): one frame for one message at a low rate, one for many under load, which
   * spares both edges most of the per-frame work.
   */
  private relay(edgeUrl: string, entry: RelayEntry): void {
    let batch = this.outbox.get(edgeUrl);
    if (!batch) this.outbox.set(edgeUrl, (batch = []));
    batch.push(entry);
    if (batch.length >= MAX_RELAY_BATCH) {
      this.outbox.delete(edgeUrl);
      this.post(edgeUrl, batch);
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const [edgeUrl, batch] of this.outbox) this.post(edgeUrl, batch);
    this.outbox.clear();
  };

  private post(edgeUrl: string, batch: RelayEntry[]): void {
    this.deps.transport
      .relay(
        edgeUrl,
        batch.map((e) => e.delivery),
      )
      .then(
        (statuses) => {
          for (let i = 0; i < batch.length; i++) this.settleEntry(batch[i]!, statuses[i] ?? 'unavailable');
        },
        () => {
          for (const e of batch) e.answer.settle('unavailable');
        },
      );
  }

  private settleEntry(e: RelayEntry, status: DeliveryStatus): void {
    if (!e.stale || (status !== 'gone' && status !== 'not_connected')) return e.answer.settle(status);
    const to: DeviceRef = { accountId: e.stale.accountId, deviceId: e.stale.deviceId };
    this.deps.routes.invalidate(to, e.stale.connectionId);
    // A lookup that started before this answer may still name the stale route: a fresh one.
    settleLater(e.answer, this.lookupAndSend(e.sender, to, e.delivery.message, true));
  }
}

/** Who is told a routed message's status: `settle` once with it, or `fail` when routing threw (settle is then not called). */
export interface D2dAnswer {
  settle(status: DeliveryStatus): void;
  fail(err: unknown): void;
}

/** One relayed delivery waiting for the end of the loop turn: whom to answer, and the cached route it went by (looked up again if stale). */
interface RelayEntry {
  delivery: Delivery;
  answer: D2dAnswer;
  sender: D2dParty;
  stale: Registration | undefined;
}

/** Most deliveries in one relayed request: a link request's limit (100 messages of the default largest size, 64 KiB, stay below its 8 MiB frame limit). */
const MAX_RELAY_BATCH = MAX_LINK_BATCH;

/** Message ids: 12 random bytes each, 16 base64url characters (96 bits), from a pool (random-ids.ts). */
const messageIds = new RandomIds(12);

function settleLater(answer: D2dAnswer, status: Promise<DeliveryStatus>): void {
  status.then(
    (s) => answer.settle(s),
    (err: unknown) => answer.fail(err),
  );
}
