import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { mintDeviceToken } from '@pushwire/auth';
import { decideAfterClose, DeviceClientError, httpError } from '@pushwire/device-client';
import { LoadConnection, Phase, type ConnectionGroup, type ConnectionOwner, type HttpRefusal } from './load-connection';
import { assertLoopbackHost } from './loopback';
import { SampleBuffer } from './sample-buffer';
import { epochNowMs, payloadSentAtOf, sentAtOf } from './timestamp';
import { WakeQueue } from './wake-queue';
import type {
  ConnectPlan,
  LoadStats,
  ReconnectReport,
  WorkerCommand,
  WorkerConnectResult,
  WorkerReply,
  WorkerSettings,
} from './worker-messages';

/** The worker's one timer: ramp pacing, due reconnects, handshake deadlines. */
const TICK_MS = 10;
/** Handshake deadlines are checked every this many ticks (they are seconds long; 100 ms is plenty). */
const DEADLINE_EVERY_TICKS = 10;
/** Reconnect times kept per worker (for time-to-all-reconnected and peak reconnects per second). */
const RECONNECT_TIMES_CAP = 400_000;
/** Tokens signed concurrently while minting (WebCrypto is async; a bounded batch keeps memory flat). */
const MINT_BATCH = 1000;
/** The reason a client's own leave after a `reconnect` frame is reported with (not a server close). */
const LEFT_AFTER_FRAME = 'left after reconnect frame';

/** One `connect` command in progress. */
interface ConnectRun {
  group: ConnectionGroup;
  port: number;
  next: number;
  end: number;
  inFlight: number;
  ratePerSecond: number;
  maxConcurrent: number;
  startedAt: number;
  deadline: number;
  connected: number;
  failed: number;
  failures: Record<string, number>;
  connectTimes: Float64Array;
  done: (result: WorkerConnectResult) => void;
}

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/**
 * Holds many load connections in one thread and answers the fleet's commands (worker-messages.ts).
 * Everything per connection lives in its LoadConnection; the worker keeps the counters, the one
 * periodic tick, and the wake queue of the storm's pending reconnects.
 */
export class ClientWorker implements ConnectionOwner {
  private readonly conns = new Set<LoadConnection>();
  /** Connections with an attempt in flight (checked against their handshake deadline). */
  private readonly attempts = new Set<LoadConnection>();
  private readonly wakeQueue = new WakeQueue<LoadConnection>();
  private readonly latencies: SampleBuffer;
  private reconnectTimes = new SampleBuffer(RECONNECT_TIMES_CAP);
  private run: ConnectRun | undefined;
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;

  private open = 0;
  private connectedTotal = 0;
  private failures: Record<string, number> = {};
  private messages = 0;
  private storm = ClientWorker.freshStorm();

  constructor(
    settings: WorkerSettings,
    private readonly reply: (reply: WorkerReply, transfer?: ArrayBuffer[]) => void,
  ) {
    this.latencies = new SampleBuffer(settings.latencyCap);
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private static freshStorm() {
    return {
      reconnects: 0,
      reconnectFrames: 0,
      serverCloses: 0,
      http503: 0,
      gaveUp: 0,
      failures: {} as Record<string, number>,
      firstLossAt: NaN,
    };
  }

  handle(cmd: WorkerCommand): void {
    this.execute(cmd).then(
      ({ result, transfer }) => this.reply({ id: cmd.id, ok: true, result }, transfer),
      (err: unknown) => this.reply({ id: cmd.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  }

  /** Stops the tick and drops every socket; the thread can end. */
  shutdown(): void {
    clearInterval(this.timer);
    this.closeAll();
  }

  private async execute(cmd: WorkerCommand): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
    switch (cmd.type) {
      case 'connect': {
        const result = await this.connect(cmd.plan);
        return { result, transfer: [result.connectTimes.buffer as ArrayBuffer] };
      }
      case 'stats':
        return { result: this.stats() };
      case 'latencies': {
        const samples = this.latencies.sorted();
        return { result: { samples, overflow: this.latencies.overflow }, transfer: [samples.buffer as ArrayBuffer] };
      }
      case 'resetLatencies':
        this.latencies.reset();
        return { result: null };
      case 'reconnectReport': {
        const report = this.reconnectReport();
        return { result: report, transfer: [report.reconnectTimes.buffer as ArrayBuffer] };
      }
      case 'closeAll':
        this.closeAll();
        return { result: null };
    }
  }

  // ---- commands -----------------------------------------------------------------------------------

  private async connect(plan: ConnectPlan): Promise<WorkerConnectResult> {
    if (this.run) throw new Error('a connect is already running in this worker');
    const host = plan.host ?? '127.0.0.1';
    assertLoopbackHost(host);
    const tokens = plan.protocol === 'pushwire' ? await mintTokens(plan) : undefined;
    const r = plan.reconnect;
    const group: ConnectionGroup = {
      owner: this,
      protocol: plan.protocol,
      host,
      devicePrefix: plan.devicePrefix ?? 'dev-',
      tokens,
      topics: plan.topics?.length ? plan.topics : undefined,
      first: plan.first,
      sourceAddresses: Math.max(1, plan.sourceAddresses ?? 50),
      connectTimeoutMs: plan.connectTimeoutMs ?? 15_000,
      reconnect: r && {
        alternativePorts: r.alternativePorts,
        baseDelayMs: r.baseDelayMs ?? 500,
        maxDelayMs: r.maxDelayMs ?? 30_000,
        maxAttempts: r.maxAttempts ?? 10,
        waitForServerClose: r.waitForServerClose ?? false,
      },
      portCursor: 0,
    };
    const rate = plan.ratePerSecond ?? 0;
    const now = epochNowMs();
    const rampMs = rate > 0 ? (plan.count / rate) * 1000 : 0;
    return new Promise((done) => {
      this.run = {
        group,
        port: plan.port,
        next: plan.first,
        end: plan.first + plan.count,
        inFlight: 0,
        ratePerSecond: rate,
        maxConcurrent: Math.max(1, plan.maxConcurrent ?? 1000),
        startedAt: now,
        deadline: now + (plan.deadlineMs ?? 2 * rampMs + group.connectTimeoutMs + 60_000),
        connected: 0,
        failed: 0,
        failures: {},
        connectTimes: new Float64Array(plan.count),
        done,
      };
      this.pump(now);
    });
  }

  private stats(): LoadStats {
    return {
      open: this.open,
      connectedTotal: this.connectedTotal,
      failures: { ...this.failures },
      messages: this.messages,
      latencySamples: this.latencies.count,
      latencyOverflow: this.latencies.overflow,
    };
  }

  private reconnectReport(): ReconnectReport {
    let inFlight = 0;
    for (const c of this.attempts) if (c.reconnecting) inFlight++;
    const { reconnects, reconnectFrames, serverCloses, http503, gaveUp, failures, firstLossAt } = this.storm;
    return {
      reconnects,
      reconnectFrames,
      serverCloses,
      http503,
      gaveUp,
      pending: this.wakeQueue.size + inFlight,
      failures: { ...failures },
      firstLossAt,
      reconnectTimes: this.reconnectTimes.sorted(),
      timesOverflow: this.reconnectTimes.overflow,
    };
  }

  private closeAll(): void {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    this.attempts.clear();
    this.wakeQueue.clear();
    this.open = 0;
    this.storm = ClientWorker.freshStorm();
    this.reconnectTimes = new SampleBuffer(RECONNECT_TIMES_CAP);
    const run = this.run;
    if (run) {
      const left = run.end - run.next + run.inFlight;
      if (left > 0) bump(run.failures, 'closed by closeAll', left);
      run.failed += left;
      run.inFlight = 0;
      run.next = run.end;
      this.finish(run);
    }
  }

  // ---- the tick -----------------------------------------------------------------------------------

  private tick(): void {
    const now = epochNowMs();
    for (let c = this.wakeQueue.popDue(now); c; c = this.wakeQueue.popDue(now)) {
      if (!this.conns.has(c) || c.phase !== Phase.Closed) continue; // dropped by closeAll meanwhile
      const g = c.group;
      const ports = g.reconnect!.alternativePorts;
      this.attempts.add(c);
      c.start(ports[g.portCursor++ % ports.length]!, now);
    }
    if (++this.ticks % DEADLINE_EVERY_TICKS === 0) {
      for (const c of this.attempts) if (now >= c.deadline) c.fail('timeout');
    }
    const run = this.run;
    if (run && now >= run.deadline) {
      // Nothing more is started (first), then what is in flight fails; the last settle finishes the run.
      const notStarted = run.end - run.next;
      if (notStarted > 0) {
        bump(run.failures, 'not started before the plan deadline', notStarted);
        run.failed += notStarted;
        run.next = run.end;
      }
      for (const c of [...this.attempts]) if (c.group === run.group && !c.reconnecting) c.fail('plan deadline');
    }
    this.pump(now);
  }

  /** Starts the plan's next connections as far as the concurrency limit and the ramp allow. */
  private pump(now: number): void {
    const run = this.run;
    if (!run) return;
    // The ramp admits one at once, then `rate` per second since the start.
    const allowed = run.ratePerSecond > 0 ? run.group.first + 1 + Math.floor(((now - run.startedAt) / 1000) * run.ratePerSecond) : run.end;
    while (run.next < run.end && run.next < allowed && run.inFlight < run.maxConcurrent) {
      const c = new LoadConnection(run.group, run.next++);
      this.conns.add(c);
      this.attempts.add(c);
      run.inFlight++;
      c.start(run.port, now);
    }
    if (run.next >= run.end && run.inFlight === 0) this.finish(run);
  }

  private finish(run: ConnectRun): void {
    if (this.run !== run) return;
    this.run = undefined;
    const connectTimes = run.connectTimes.slice(0, run.connected).sort();
    run.done({
      connected: run.connected,
      failed: run.failed,
      failures: run.failures,
      connectTimes,
      startedAt: run.startedAt,
      endedAt: epochNowMs(),
    });
  }

  /** The plan's first attempt of `c` ended (connected or not). */
  private settleFirst(c: LoadConnection, reason: string | undefined, now: number): void {
    const run = this.run;
    if (c.settled || !run || run.group !== c.group) return;
    c.settled = true;
    run.inFlight--;
    if (reason === undefined) run.connectTimes[run.connected++] = now;
    else {
      run.failed++;
      bump(run.failures, reason);
    }
    this.pump(now); // a slot is free: start the next at once rather than on the next tick
  }

  // ---- ConnectionOwner ----------------------------------------------------------------------------

  opened(c: LoadConnection): void {
    const now = epochNowMs();
    this.attempts.delete(c);
    this.open++;
    this.connectedTotal++;
    c.attempt = 0;
    if (c.reconnecting) {
      c.reconnecting = false;
      this.storm.reconnects++;
      this.reconnectTimes.record(now);
    } else {
      this.settleFirst(c, undefined, now);
    }
  }

  failed(c: LoadConnection, reason: string, refusal: HttpRefusal | undefined): void {
    this.attempts.delete(c);
    bump(this.failures, reason);
    if (!c.reconnecting) {
      this.conns.delete(c);
      this.settleFirst(c, reason, epochNowMs());
      return;
    }
    bump(this.storm.failures, reason);
    if (refusal?.status === 503) this.storm.http503++;
    // The SDK's reading of a refused or failed connect: HTTP answers through its httpError (503 →
    // retriable with Retry-After; 401 → not), anything else is a retriable connect failure.
    const error = refusal
      ? httpError(refusal.status, refusal.retryAfter, refusal.body)
      : new DeviceClientError('connect_failed', reason, true);
    this.scheduleReconnect(c, { code: 1006, reason, error });
  }

  lost(c: LoadConnection, code: number, reason: string): void {
    this.open--;
    if (!c.group.reconnect) {
      this.conns.delete(c);
      return;
    }
    if (reason !== LEFT_AFTER_FRAME) this.storm.serverCloses++;
    if (Number.isNaN(this.storm.firstLossAt)) this.storm.firstLossAt = epochNowMs();
    this.scheduleReconnect(c, { code, reason });
  }

  message(text: string): void {
    this.messages++;
    let sentAt = sentAtOf(text);
    if (sentAt !== sentAt) sentAt = payloadSentAtOf(text); // a topic message or broadcast: {"t": …}
    if (sentAt === sentAt) this.latencies.record(epochNowMs() - sentAt); // not NaN: the payload had a send time
  }

  reconnectFrame(c: LoadConnection, _afterMs: number): void {
    this.storm.reconnectFrames++;
    const r = c.group.reconnect;
    // Leave at once (and wait random(0, afterMs) from now) unless told to wait for the server's close.
    if (r && !r.waitForServerClose) c.leave(4000, LEFT_AFTER_FRAME);
  }

  /** The device SDK's decision (decideAfterClose): when to try again, or to give up. */
  private scheduleReconnect(c: LoadConnection, close: { code: number; reason: string; error?: DeviceClientError }): void {
    const r = c.group.reconnect!;
    const decision = decideAfterClose({
      close,
      attempt: c.attempt,
      reconnectHintMs: c.hintMs >= 0 ? c.hintMs : undefined,
      canRefreshToken: false,
      authRetried: false,
      reconnect: { enabled: true, baseDelayMs: r.baseDelayMs, maxDelayMs: r.maxDelayMs, maxAttempts: r.maxAttempts },
      random: Math.random,
    });
    c.hintMs = -1;
    if (decision.action === 'stop') {
      this.storm.gaveUp++;
      this.conns.delete(c);
      return;
    }
    c.attempt++;
    c.reconnecting = true;
    c.wakeAt = epochNowMs() + decision.delayMs;
    this.wakeQueue.push(c);
  }
}

/** Device tokens for the plan's devices, minted in bounded concurrent batches. */
async function mintTokens(plan: ConnectPlan): Promise<string[]> {
  const t = plan.tokens;
  if (!t) throw new Error('a pushwire plan needs `tokens` (the JWT secret and account mapping)');
  const prefix = plan.devicePrefix ?? 'dev-';
  const perAccount = Math.max(1, t.devicesPerAccount ?? 1);
  const tokens: string[] = new Array(plan.count);
  for (let at = 0; at < plan.count; at += MINT_BATCH) {
    const batch = Array.from({ length: Math.min(MINT_BATCH, plan.count - at) }, (_, j) => {
      const i = plan.first + at + j;
      return mintDeviceToken({
        secret: t.secret,
        accountId: `${t.accountPrefix ?? 'acc-'}${Math.floor(i / perAccount)}`,
        deviceId: `${prefix}${i}`,
        deviceType: t.deviceType ?? 'tv',
        ttlSeconds: t.ttlSeconds ?? 86_400,
        ...(t.topics ? { topics: t.topics } : {}),
      });
    });
    const minted = await Promise.all(batch);
    for (let j = 0; j < minted.length; j++) tokens[at + j] = minted[j]!;
  }
  return tokens;
}

/** Runs a ClientWorker on `port` (a worker thread's parentPort, or one end of a MessageChannel). */
export function serveClientWorker(port: MessagePort, settings: WorkerSettings): ClientWorker {
  const worker = new ClientWorker(settings, (reply, transfer) => port.postMessage(reply, transfer));
  port.on('message', (cmd: WorkerCommand) => worker.handle(cmd));
  port.on('close', () => worker.shutdown());
  return worker;
}

// As a worker thread started by fleet-child.ts.
const settings = (workerData as { loadgen?: WorkerSettings } | null)?.loadgen;
if (!isMainThread && parentPort && settings) serveClientWorker(parentPort, settings);
