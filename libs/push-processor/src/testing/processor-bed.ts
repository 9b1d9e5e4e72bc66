import { MemoryEventBus, type BusMessage } from '@pushwire/event-bus';
import { Deferred } from '@pushwire/event-bus/testing';
import {
  deviceRefKey,
  Topics,
  Validators,
  type DeadLetterRecord,
  type Priority,
  type PushMessage,
  type PushOutcomeRecord,
  type PushRequestRecord,
  type PushTarget,
} from '@pushwire/protocol';
import { TestInboxClient } from '@pushwire/registry/testing';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import type { DeliveryAttempt, DeliveryOptions, DeliveryPort } from '../delivery-port';
import { PushProcessor, type PushProcessorOptions } from '../push-processor';

// The processor specs' bed: the real PushProcessor on the real in-memory bus, delivery through a
// scripted DeliveryPort (answers set per message), the inbox in memory (TestInboxClient, the registry's own).

/** The processor's clock in most tests: outcomes and expiry are computed against it. */
export const NOW = 1_750_000_000_000;
/** Default age of a request at NOW, hence the latency of its outcome. */
export const AGE = 250;
export const GROUP = 'pushwire-message-processor';
/** The account of every target in these tests, unless one names another. */
export const ACCOUNT = 'acct-1';
/** Device `deviceId` of ACCOUNT, as a target names it. */
export const to = (deviceId: string, accountId = ACCOUNT) => ({ accountId, deviceId });
/** The record key of device `deviceId` of ACCOUNT. */
export const keyOf = (deviceId: string) => deviceRefKey(to(deviceId));

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a scripted delivery answers: a delivery attempt, or a thrown error (a bug in a port). */
export type Answer = DeliveryAttempt | 'throw';

/**
 * A DeliveryPort whose answers a test sets per message id (the last answer repeats; default
 * `delivered` by edge-1). It records every call and how many deliveries ran at once, overall and
 * per device, and can hold a message's deliveries until the test opens a gate.
 */
export class ScriptedDelivery implements DeliveryPort {
  readonly calls: Array<{ deviceId: string; message: PushMessage; inboxed?: boolean }> = [];
  /** Answers actually given, in the order the deliveries finished. */
  readonly answered: Array<{ deviceId: string; messageId: string; status: string }> = [];
  mostAtOnce = 0;
  mostAtOncePerDevice = 0;
  /** Delay of every delivery, per message (default none). */
  delayMs: (message: PushMessage) => number = () => 0;
  private readonly scripts = new Map<string, Answer[]>();
  private readonly gates = new Map<string, Promise<void>>();
  private readonly started = new Map<string, Deferred>();
  private readonly running = new Map<string, number>();
  private runningTotal = 0;

  script(messageId: string, ...answers: Answer[]): this {
    this.scripts.set(messageId, answers);
    return this;
  }

  /** Deliveries of `messageId` wait until the returned gate is resolved. */
  hold(messageId: string): Deferred {
    const gate = new Deferred();
    this.gates.set(messageId, gate.promise);
    return gate;
  }

  /** Resolves once a delivery of `messageId` has started. */
  startedOf(messageId: string): Promise<void> {
    return this.startedGate(messageId).promise;
  }

  attemptsOf(messageId: string): number {
    return this.calls.filter((c) => c.message.id === messageId).length;
  }

  /** Message ids `deviceId` got `delivered`, in order. */
  deliveredTo(deviceId: string): string[] {
    return this.answered.filter((a) => a.deviceId === deviceId && a.status === 'delivered').map((a) => a.messageId);
  }

  /** Calls that were race-closure deliveries of a message just stored (inboxed). */
  inboxedCalls(): string[] {
    return this.calls.filter((c) => c.inboxed).map((c) => c.message.id);
  }

  async deliver(target: PushTarget, message: PushMessage, opts?: DeliveryOptions): Promise<DeliveryAttempt> {
    const { deviceId } = target;
    const device = deviceRefKey(target);
    this.calls.push({ deviceId, message, ...(opts?.inboxed ? { inboxed: true } : {}) });
    const attempt = this.attemptsOf(message.id);
    const running = (this.running.get(device) ?? 0) + 1;
    this.running.set(device, running);
    this.mostAtOncePerDevice = Math.max(this.mostAtOncePerDevice, running);
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.runningTotal);
    this.startedGate(message.id).resolve();
    try {
      await this.gates.get(message.id);
      const delay = this.delayMs(message);
      if (delay > 0) await pause(delay);
      const script = this.scripts.get(message.id) ?? [];
      const answer: Answer = script[Math.min(attempt, script.length) - 1] ?? { status: 'delivered', edgeId: 'edge-1' };
      if (answer === 'throw') throw new Error(`scripted failure delivering ${message.id}`);
      this.answered.push({ deviceId, messageId: message.id, status: answer.status });
      return answer;
    } finally {
      this.running.set(device, this.running.get(device)! - 1);
      this.runningTotal--;
    }
  }

  private startedGate(messageId: string): Deferred {
    let gate = this.started.get(messageId);
    if (!gate) this.started.set(messageId, (gate = new Deferred()));
    return gate;
  }
}

/** A transient or final status as a scripted edge would answer it. */
export const answer = (status: DeliveryAttempt['status'], extra: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  status,
  edgeId: 'edge-1',
  detail: `scripted ${status}`,
  ...extra,
});

/**
 * The real memory bus, remembering what was published to each topic at the moment publish resolved.
 * `publishDelayMs` makes publishing take time, as a Kafka producer's acks do.
 */
export class RecordingBus extends MemoryEventBus {
  readonly published = new Map<string, BusMessage[]>();
  publishDelayMs = 0;

  override async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (this.publishDelayMs > 0) await pause(this.publishDelayMs);
    await super.publish(topic, messages);
    const list = this.published.get(topic) ?? [];
    this.published.set(topic, [...list, ...messages]);
  }

  outcomes(): PushOutcomeRecord[] {
    return (this.published.get(Topics.pushOutcomes) ?? []).map((m) => {
      const outcome = Validators.pushOutcomeRecord.decode(JSON.parse(m.value));
      expect(m.key).toBe(deviceRefKey(outcome.target));
      return outcome;
    });
  }

  deadLetters(): DeadLetterRecord[] {
    return (this.published.get(Topics.pushDlq) ?? []).map((m) => Validators.deadLetterRecord.decode(JSON.parse(m.value)));
  }
}

/** A push request to `deviceId`, enqueued AGE ms before NOW unless `over` says otherwise. */
export function request(
  deviceId: string,
  id: string,
  over: { ttlSeconds?: number; enqueuedAt?: number; collapseKey?: string } = {},
): PushRequestRecord {
  const enqueuedAt = over.enqueuedAt ?? NOW - AGE;
  return {
    v: 1,
    target: to(deviceId),
    message: { id, payload: { id }, createdAt: enqueuedAt, ...(over.ttlSeconds !== undefined ? { ttlSeconds: over.ttlSeconds } : {}) },
    enqueuedAt,
    ...(over.collapseKey !== undefined ? { collapseKey: over.collapseKey } : {}),
  };
}

export const asMessage = (r: PushRequestRecord): BusMessage => ({ key: deviceRefKey(r.target), value: JSON.stringify(r) });

export const byId = (outcomes: readonly PushOutcomeRecord[]) => new Map(outcomes.map((o) => [o.messageId, o]));

/** What a test started, stopped after it in reverse order (`afterEach(runCleanups)`). */
export const cleanups: Array<() => Promise<unknown>> = [];
export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** A bus with the processor's topics, a processor on it (not started), and helpers; torn down after the test. */
export async function setup(over: Partial<PushProcessorOptions> = {}, busOptions: ConstructorParameters<typeof MemoryEventBus>[0] = {}) {
  const bus = new RecordingBus({ redeliveryBackoff: { initialMs: 5, maxMs: 10 }, ...busOptions });
  cleanups.push(() => bus.close());
  const delivery = new ScriptedDelivery();
  const inbox = (over.inbox as TestInboxClient | undefined) ?? new TestInboxClient({ now: over.now ?? (() => NOW) });
  const processor = newProcessor(bus, { delivery, inbox, ...over });
  await bus.ensureTopics(processor.topics());
  return {
    bus,
    delivery,
    inbox,
    processor,
    async start(p: PushProcessor = processor): Promise<void> {
      await p.start();
      cleanups.push(() => p.stop());
    },
    publish: (priority: Priority, ...requests: PushRequestRecord[]) => bus.publish(Topics.pushRequests[priority], requests.map(asMessage)),
    /** Resolves once `p` has committed every request record: its outcomes and dead letters are published by then. */
    async settled(p: PushProcessor = processor): Promise<{ outcomes: PushOutcomeRecord[]; deadLetters: DeadLetterRecord[] }> {
      await waitFor(
        async () => {
          const lag = await p.lag();
          return lag.length > 0 && lag.every((l) => l.lag === 0);
        },
        { what: 'every request record committed' },
      );
      return { outcomes: bus.outcomes(), deadLetters: bus.deadLetters() };
    },
  };
}

export function newProcessor(bus: MemoryEventBus, over: Partial<PushProcessorOptions> & { delivery: DeliveryPort }): PushProcessor {
  return new PushProcessor({
    bus,
    inbox: new TestInboxClient({ now: over.now ?? (() => NOW) }),
    groupId: GROUP,
    // The tests publish before they start the processor: a new group must see those records.
    replay: true,
    concurrency: { high: 4, normal: 4, low: 2 },
    retry: { quickAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    defaultTtlSeconds: 3600,
    partitions: { high: 2, normal: 2, low: 1, outcomes: 2, dlq: 1 },
    partitionsConcurrently: 5,
    logger: silentLogger(),
    now: () => NOW,
    // Waits before a retry pass at once: how long they are is backoffMs's business (retry-policy.spec);
    // these tests are about which attempts happen and in what order.
    sleep: () => Promise.resolve(),
    ...over,
  });
}
