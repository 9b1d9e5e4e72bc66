import { deviceRefKey, type Delivery, type DeviceRef, type PushMessage, type Registration, type JournalRecorder } from '@pushwire/protocol';
import type { EdgeClient, EdgeOutcome } from '@pushwire/edge-client';
import type { RegistryClient, RouteCache } from '@pushwire/registry-client';
import type { ServiceCallError } from '@pushwire/service-http';
import { PushClientError, registryUnavailable } from './errors';
import type { SendResult } from './options';
import { inContext, type Context } from './tracing';

/** What one send comes to: a delivery status, or an error the caller's promise rejects with. */
export type Outcome = { result: SendResult } | { error: unknown };

/** One message to one device (account and device id) on its way through a dispatch. */
export interface Job {
  target: DeviceRef;
  message: PushMessage;
  /** The message is also in the device's inbox: the edge takes it out once delivered (Delivery.inboxed). */
  inboxed?: boolean;
  /** Delivery requests to an edge that carried this message so far. */
  attempts: number;
  /** Called exactly once. */
  settle: (outcome: Outcome) => void;
  /** The trace context of the send (OpenTelemetry), when traced: its lookup and delivery requests carry it. */
  trace?: Context;
}

/** A job's answer from the edge its route pointed at. */
type Attempt =
  | { job: Job; route: Registration; outcome: EdgeOutcome }
  | { job: Job; route: Registration; failure: ServiceCallError; retriable: boolean };

/**
 * Direct push for one coalesced batch of sends: resolve routes (cache, then one registry lookup),
 * deliver grouped by edge, and give every route that proved stale (`gone`, `not_connected`) or
 * unreachable exactly one fresh lookup and re-delivery.
 */
export class Dispatcher {
  constructor(
    private readonly registry: RegistryClient,
    private readonly edges: EdgeClient,
    private readonly cache: RouteCache,
    private readonly batchMaxSize: number,
    /** Undefined when nobody reads the journal: then no `routed` record is even built. */
    private readonly journal: JournalRecorder | undefined,
  ) {}

  /** Never rejects: every job is settled, with a result or an error. */
  async dispatch(jobs: Job[]): Promise<void> {
    await this.settleAll(jobs, (settle) => this.run(jobs, settle));
  }

  /** Runs `how`, then settles with its error whatever job it left unsettled by throwing. */
  private async settleAll(jobs: Job[], how: (settle: (job: Job, outcome: Outcome) => void) => Promise<void>): Promise<void> {
    const settled = new Set<Job>();
    const settle = (job: Job, outcome: Outcome) => {
      if (settled.has(job)) return;
      settled.add(job);
      if (this.journal && 'result' in outcome) this.journal.record('routed', job.message.id, job.target, routedDetail(outcome.result));
      job.settle(outcome);
    };
    try {
      await how(settle);
    } catch (e) {
      // A bug of ours, not a delivery outcome: surface it rather than leave callers hanging.
      for (const job of jobs) settle(job, { error: e });
    }
  }

  /**
   * One FRESH lookup (the route cache is neither read nor trusted; what it finds is cached) and one
   * delivery, no second chance: the inbox's race closure, where a device that registered while its
   * message was being stored must be seen, and anything short of a delivery leaves the message in
   * the inbox anyway. Never rejects: every job is settled.
   */
  async dispatchFresh(jobs: Job[]): Promise<void> {
    await this.settleAll(jobs, async (settle) => {
      const routed: { job: Job; route: Registration }[] = [];
      await this.resolve(jobs, settle, (job, route) => {
        this.cache.set(route);
        routed.push({ job, route });
      });
      await this.deliverFinal(routed, settle);
    });
  }

  private async run(jobs: Job[], settle: (job: Job, outcome: Outcome) => void): Promise<void> {
    const routed: { job: Job; route: Registration }[] = [];
    const uncached: Job[] = [];
    for (const job of jobs) {
      const route = this.cache.get(job.target);
      if (route) routed.push({ job, route });
      else uncached.push(job);
    }
    if (uncached.length) {
      await this.resolve(uncached, settle, (job, route) => {
        this.cache.set(route);
        routed.push({ job, route });
      });
    }

    const retries: Attempt[] = []; // stale or unreachable routes, for one fresh lookup
    for (const attempt of await this.deliverAll(routed)) {
      if ('failure' in attempt) {
        this.cache.invalidate(attempt.job.target, attempt.route.connectionId);
        if (attempt.retriable) retries.push(attempt);
        else settle(attempt.job, { error: edgeUnavailable(attempt) });
      } else if (isStaleRoute(attempt.outcome)) {
        this.cache.invalidate(attempt.job.target, attempt.route.connectionId);
        retries.push(attempt);
      } else {
        settle(attempt.job, { result: toResult(attempt.job, attempt.route, attempt.outcome) });
      }
    }
    if (retries.length) await this.retry(retries, settle);
  }

  /** The one fresh lookup and re-delivery for stale or unreachable routes. */
  private async retry(retries: Attempt[], settle: (job: Job, outcome: Outcome) => void): Promise<void> {
    const routed: { job: Job; route: Registration }[] = [];
    const byJob = new Map(retries.map((r) => [r.job, r]));
    await this.resolve(
      retries.map((r) => r.job),
      (job, outcome) => {
        const before = byJob.get(job)!;
        if ('error' in outcome && 'outcome' in before) {
          // The edge's answer is a true status (`gone` / `not_connected`, both retriable); the failed
          // lookup only means we could not look for a newer route, so report what the edge said.
          settle(job, { result: toResult(job, before.route, before.outcome) });
        } else {
          settle(job, outcome);
        }
      },
      (job, route) => {
        const before = byJob.get(job)!;
        if ('outcome' in before && route.connectionId === before.route.connectionId) {
          // The registry still names the connection the edge just disowned: asking again cannot help,
          // and caching the route would only send the next message into the same `gone`.
          settle(job, { result: toResult(job, before.route, before.outcome) });
          return;
        }
        // An unreachable edge is tried once more even on the same route: connections drop and edges
        // restart; devices de-duplicate on the message id, so a repeat is harmless.
        this.cache.set(route);
        routed.push({ job, route });
      },
    );

    await this.deliverFinal(routed, settle);
  }

  /** A last delivery: whatever the edge answers (or its failure) is the job's outcome. */
  private async deliverFinal(routed: { job: Job; route: Registration }[], settle: (job: Job, outcome: Outcome) => void): Promise<void> {
    for (const attempt of await this.deliverAll(routed)) {
      if ('failure' in attempt) {
        this.cache.invalidate(attempt.job.target, attempt.route.connectionId);
        settle(attempt.job, { error: edgeUnavailable(attempt) });
        continue;
      }
      if (isStaleRoute(attempt.outcome)) this.cache.invalidate(attempt.job.target, attempt.route.connectionId);
      settle(attempt.job, { result: toResult(attempt.job, attempt.route, attempt.outcome) });
    }
  }

  /**
   * One registry lookup for the jobs' distinct devices, each named with its account (the registry
   * client splits large ones).
   * Devices the registry knows no live connection for are `not_connected` without asking any edge;
   * a failed lookup is `registry_unavailable`, never `not_connected`.
   */
  private async resolve(
    jobs: Job[],
    settle: (job: Job, outcome: Outcome) => void,
    onRoute: (job: Job, route: Registration) => void,
  ): Promise<void> {
    const devices = [...new Map(jobs.map((j) => [deviceRefKey(j.target), j.target])).values()];
    let registrations: Registration[];
    let missing: DeviceRef[];
    try {
      ({ registrations, missing } = await inContext(jobs[0]?.trace, () => this.registry.lookup(devices)));
    } catch (e) {
      const error = registryUnavailable('registry lookup', e);
      for (const job of jobs) settle(job, { error });
      return;
    }
    // Matched by account and device id: a record of another account's device never routes a job.
    const routes = new Map(registrations.map((r) => [deviceRefKey(r), r]));
    const absent = new Set(missing.map(deviceRefKey));
    for (const job of jobs) {
      const key = deviceRefKey(job.target);
      const route = routes.get(key);
      if (route) onRoute(job, route);
      else if (absent.has(key)) settle(job, { result: sendResult(job, 'not_connected') });
      else
        settle(job, {
          error: new PushClientError(
            'registry_unavailable',
            `registry lookup answered neither a route nor "missing" for ${job.target.deviceId} of account ${job.target.accountId}`,
            false,
          ),
        });
    }
  }

  /**
   * One request per edge and chunk of batchMaxSize, all in parallel. Sends that wait for a device
   * ack (the edge holds those requests up to its ack timeout) travel apart from the others, so a
   * fire-and-forget send never waits seconds for somebody else's ack.
   */
  private async deliverAll(routed: { job: Job; route: Registration }[]): Promise<Attempt[]> {
    const groups = new Map<string, { job: Job; route: Registration }[]>();
    for (const item of routed) {
      const key = `${item.job.message.ackRequired ? 'ack' : 'fire'} ${item.route.edgeUrl}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push(item);
    }
    const requests: Promise<Attempt[]>[] = [];
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += this.batchMaxSize) {
        requests.push(this.deliverChunk(group.slice(i, i + this.batchMaxSize)));
      }
    }
    return (await Promise.all(requests)).flat();
  }

  private async deliverChunk(chunk: { job: Job; route: Registration }[]): Promise<Attempt[]> {
    const deliveries: Delivery[] = chunk.map(({ job, route }) => ({
      accountId: job.target.accountId,
      deviceId: job.target.deviceId,
      connectionId: route.connectionId, // fencing: an edge holding another connection answers `gone`
      message: job.message,
      ...(job.inboxed ? { inboxed: true } : {}),
    }));
    for (const { job } of chunk) job.attempts++;
    const answer = await inContext(chunk[0].job.trace, () => this.edges.deliver(chunk[0].route.edgeUrl, deliveries));
    if (answer.kind === 'failure') {
      return chunk.map(({ job, route }) => ({ job, route, failure: answer.error, retriable: answer.retriable }));
    }
    return chunk.map(({ job, route }, i) => ({ job, route, outcome: answer.outcomes[i] }));
  }
}

/** The route no longer leads to the device: drop it and look again. */
const isStaleRoute = (o: EdgeOutcome) => o.status === 'gone' || o.status === 'not_connected';

function toResult(job: Job, route: Registration, o: EdgeOutcome): SendResult {
  const result = sendResult(job, o.status);
  result.edgeId = o.edgeId ?? route.edgeId;
  if (o.retryAfterMs !== undefined) result.retryAfterMs = o.retryAfterMs;
  if (o.error !== undefined) result.error = o.error;
  return result;
}

/**
 * The result of a job, its fields written out one by one: once per message on the hot path, and an
 * object literal that starts with a spread (`{ ...job.target, messageId, … }`) costs V8 several µs
 * each (a clone, then a slow-path store per added field) — it was most of the push client's CPU per
 * message in `npm run bench -- --full` (direct push at max 35.6k → 22.2k msg/s).
 */
export function sendResult(job: Job, status: SendResult['status']): SendResult {
  return { accountId: job.target.accountId, deviceId: job.target.deviceId, messageId: job.message.id, status, attempts: job.attempts };
}

function edgeUnavailable(attempt: { route: Registration; failure: ServiceCallError; retriable: boolean }): PushClientError {
  return new PushClientError(
    'edge_unavailable',
    `edge ${attempt.route.edgeId} (${attempt.route.edgeUrl}) unavailable: ${attempt.failure.message}`,
    attempt.retriable,
    { cause: attempt.failure },
  );
}

/** What `routed` records of a send's answer: where it went (the edge, or no connection) and after how many requests. */
const routedDetail = (r: SendResult) => ({
  status: r.status,
  attempts: r.attempts,
  ...(r.edgeId !== undefined ? { edgeId: r.edgeId } : {}),
});
