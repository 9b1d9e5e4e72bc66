import { randomBytes } from 'node:crypto';
import type { ClientFrameOf, Delivery, DeliveryResult, DeliveryStatus, Registration } from '@pushwire/protocol';
import type { EdgeTransport, RouteCache } from '@pushwire/push-client';
import type { RegistryClient } from '@pushwire/registry-client';
import { Phase, type Connection } from '../connection';
import type { D2dParty, D2dPolicy } from './d2d-policy';

export interface D2dRouterDeps {
  edgeId: string;
  /** The live local connection of a device, if this edge holds one. */
  localConnection(deviceId: string): Connection | undefined;
  /** Writes a delivery to a local connection (the edge's Deliverer). */
  deliverLocal(d: Delivery): DeliveryResult | Promise<DeliveryResult>;
  registry: RegistryClient;
  transport: EdgeTransport;
  /** Where remote devices were last seen: cached, fenced by connection id, dropped on `gone`. */
  routes: RouteCache;
  policy: D2dPolicy;
  now?: () => number;
}

/**
 * Device to device (DESIGN.md §5): authorizes `d2d.send` with the policy and delivers the message as
 * a `d2d.message` frame — to a local socket at once, else to the target's edge via `/v1/deliver`,
 * found in the route cache or, on a miss, the registry. The hot path (cached route, same-account
 * policy) does no registry call. A stale cached route (`gone`, or `not_connected` from an edge that
 * no longer holds the device) is dropped and looked up once more.
 */
export class D2dRouter {
  private readonly now: () => number;

  constructor(private readonly deps: D2dRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  send(from: Connection, frame: ClientFrameOf<'d2d.send'>): DeliveryStatus | Promise<DeliveryStatus> {
    const sender: D2dParty = from;
    const message = { id: randomBytes(12).toString('base64url'), payload: frame.payload, createdAt: this.now() };
    const local = this.deps.localConnection(frame.to);
    if (local && (local.phase === Phase.Open || local.phase === Phase.Closing)) {
      if (!this.deps.policy.allows(sender, local)) return 'forbidden';
      return statusOf(this.deps.deliverLocal({ deviceId: frame.to, connectionId: local.connectionId, message, from: from.deviceId }));
    }
    const cached = this.deps.routes.get(frame.to);
    if (cached) {
      return this.viaRoute(sender, cached, message).then((status) => {
        if (status !== 'gone' && status !== 'not_connected') return status;
        this.deps.routes.invalidate(frame.to, cached.connectionId);
        return this.lookupAndSend(sender, frame.to, message);
      });
    }
    return this.lookupAndSend(sender, frame.to, message);
  }

  private async lookupAndSend(sender: D2dParty, to: string, message: Delivery['message']): Promise<DeliveryStatus> {
    let route: Registration | undefined;
    try {
      route = (await this.deps.registry.lookup([to])).registrations[0];
    } catch {
      return 'unavailable';
    }
    if (!route) return 'not_connected';
    // The registry still names this edge, but the device is not here (any more): it is gone.
    if (route.edgeId === this.deps.edgeId) return 'not_connected';
    this.deps.routes.set(route);
    return this.viaRoute(sender, route, message);
  }

  private async viaRoute(sender: D2dParty, route: Registration, message: Delivery['message']): Promise<DeliveryStatus> {
    if (!this.deps.policy.allows(sender, route)) return 'forbidden';
    const answer = await this.deps.transport.deliver(route.edgeUrl, [
      { deviceId: route.deviceId, connectionId: route.connectionId, message, from: sender.deviceId },
    ]);
    if (answer.kind === 'failure') return 'unavailable';
    return answer.outcomes[0]?.status ?? 'unavailable';
  }
}

function statusOf(result: DeliveryResult | Promise<DeliveryResult>): DeliveryStatus | Promise<DeliveryStatus> {
  return result instanceof Promise ? result.then((r) => r.status) : result.status;
}
