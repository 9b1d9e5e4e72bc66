import type { ReadinessFailure } from '@pushwire/service-kit';

/** The edge's dependencies that are not ready now (empty: ready). Synchronous: probes answer from memory. */
export type EdgeReadiness = () => readonly ReadinessFailure[];

export interface EdgeReadinessParts {
  /** When the registry last renewed this edge's lease (epoch ms); undefined before the first renewal. */
  leaseRenewedAt: () => number | undefined;
  /** The lease's TTL: past it without a renewal the lease has lapsed and lookups stop resolving here. */
  leaseTtlMs: number;
  /** Checks of the edge's embedder (EdgeDeps.readiness), asked after the edge's own. */
  extra?: EdgeReadiness;
  now: () => number;
}

/**
 * What the edge's /readyz needs besides listening and not draining: its lease is held (the
 * registry renewed it within the TTL — without it no sender finds the devices here, and a new
 * connection could not be registered), and whatever the embedder adds. Not the topic log: an edge
 * whose topic history is loading, or whose Kafka is away, still serves pushes and device to device;
 * its subscribes are answered `unavailable` and the SDK asks again.
 * Answered from memory, so a load balancer probing every second costs the registry nothing.
 */
export function edgeReadiness(parts: EdgeReadinessParts): EdgeReadiness {
  return () => {
    const failing: ReadinessFailure[] = [];
    const renewedAt = parts.leaseRenewedAt();
    if (renewedAt === undefined) failing.push({ dependency: 'registry', reason: 'the edge lease has not been taken yet' });
    else {
      const age = parts.now() - renewedAt;
      if (age > parts.leaseTtlMs)
        failing.push({ dependency: 'registry', reason: `the edge lease lapsed: last renewed ${Math.round(age / 1000)} s ago` });
    }
    return [...failing, ...(parts.extra?.() ?? [])];
  };
}
