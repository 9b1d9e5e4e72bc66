import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { peakPerWindow } from './accept-rate';
import type { FleetChildMessage, FleetParentMessage } from './fleet-ipc';
import { assertLoopbackHost } from './loopback';
import { DEFAULT_LATENCY_CAP } from './sample-buffer';
import { WIRE_PROTOCOLS } from './wire-protocol';
import type { ConnectPlan, LatencySamples, LoadStats, ReconnectReport, WorkerCommand, WorkerConnectResult } from './worker-messages';

/** How many processes and threads a fleet runs, and its limits. */
export interface FleetOptions {
  processes: number;
  threadsPerProcess: number;
  /** Sockets one process may hold (its file limit is 20,000). Default 19,000. */
  maxSocketsPerProcess?: number;
  /** Raw latency samples each worker keeps. Default 2,000,000. */
  latencyCapPerWorker?: number;
  /** Deadline of one command other than connect (ms). Default 60,000. */
  commandTimeoutMs?: number;
  /** Deadline for the processes and threads to come up (ms). Default 30,000. */
  startTimeoutMs?: number;
}

/** The fleet's answer to a plan. */
export interface ConnectResult {
  connected: number;
  failed: number;
  failures: Record<string, number>;
  /** From the first attempt to the last one settled. */
  seconds: number;
  /** connected / seconds. */
  acceptsPerSecond: number;
  /** The most connections established in any 1 s (sliding) window. */
  peakAcceptsPerSecond: number;
}

/** Connections the whole fleet holds at most, whatever its size: a bench must stay bounded. */
export const MAX_FLEET_CONNECTIONS = 400_000;
const MAX_PROCESSES = 64;
const MAX_THREADS_PER_PROCESS = 16;

/** `sh` raises its soft file limit to the hard one where allowed, reports it, and becomes node. */
const CHILD_SHELL =
  'ulimit -n "$(ulimit -Hn)" 2>/dev/null; LOADGEN_FD_LIMIT="$(ulimit -n)"; export LOADGEN_FD_LIMIT; exec "$0" --require tsx/cjs "$1"';

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface FleetProcess {
  child: ChildProcess;
  /** Sockets planned in this process since the last closeAll. */
  allocated: number;
}

/**
 * The client side of a bench: `processes` child processes, each with `threadsPerProcess` worker
 * threads holding raw connections (client-worker.ts). Plans are split over all workers so that no
 * process passes its socket budget; every answer aggregates all workers. Children exit when the
 * fleet stops or its process dies.
 */
export class ClientFleet {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  private failure: Error | undefined;
  private readonly killOnExit = () => this.killAll();

  private constructor(
    private readonly procs: FleetProcess[],
    private readonly opts: Required<FleetOptions>,
  ) {
    process.once('exit', this.killOnExit);
  }

  static async start(options: FleetOptions): Promise<ClientFleet> {
    const opts: Required<FleetOptions> = {
      maxSocketsPerProcess: 19_000,
      latencyCapPerWorker: DEFAULT_LATENCY_CAP,
      commandTimeoutMs: 60_000,
      startTimeoutMs: 30_000,
      ...options,
    };
    assertInt('processes', opts.processes, 1, MAX_PROCESSES);
    assertInt('threadsPerProcess', opts.threadsPerProcess, 1, MAX_THREADS_PER_PROCESS);
    assertInt('maxSocketsPerProcess', opts.maxSocketsPerProcess, 1, 19_500);
    const repoRoot = resolve(__dirname, '../../..'); // tsx finds the workspace's tsconfig paths from here
    const procs = Array.from({ length: opts.processes }, (): FleetProcess => ({
      child: spawn('sh', ['-c', CHILD_SHELL, process.execPath, join(__dirname, 'fleet-child.ts')], {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced', // structured clone: Float64Arrays cross as such, not as JSON
        env: { ...process.env, LOADGEN_THREADS: String(opts.threadsPerProcess), LOADGEN_LATENCY_CAP: String(opts.latencyCapPerWorker) },
      }),
      allocated: 0,
    }));
    const fleet = new ClientFleet(procs, opts);
    try {
      await fleet.awaitReady();
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  /** The fleet's child processes (each a node process with its worker threads): benches read their CPU time. */
  get pids(): number[] {
    return this.procs.map((p) => p.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  get workers(): number {
    return this.procs.length * this.opts.threadsPerProcess;
  }

  /**
   * Connects the plan's devices, split over every worker (the ramp and concurrency limits too), and
   * resolves when each connection has connected or failed, or the plan's deadline passed.
   */
  async connect(plan: ConnectPlan): Promise<ConnectResult> {
    const slices = this.split(plan);
    const threads = this.opts.threadsPerProcess;
    const workers = slices.length;
    const perWorker = (total: number | undefined) => (total === undefined ? undefined : total / workers);
    const rate = plan.ratePerSecond ?? 0;
    const rampMs = rate > 0 ? (plan.count / rate) * 1000 : 0;
    const timeoutMs = (plan.deadlineMs ?? 2 * rampMs + (plan.connectTimeoutMs ?? 15_000) + 60_000) + 120_000; // minting and the deadline's own settling
    const results = (
      await Promise.all(
        slices.map(({ first, count }, w) => {
          if (count === 0) return undefined;
          const workerPlan: ConnectPlan = {
            ...plan,
            first,
            count,
            ratePerSecond: perWorker(plan.ratePerSecond),
            maxConcurrent: plan.maxConcurrent === undefined ? undefined : Math.max(1, Math.ceil(plan.maxConcurrent / workers)),
          };
          this.procs[Math.floor(w / threads)]!.allocated += count;
          return this.request(w, { id: 0, type: 'connect', plan: workerPlan }, timeoutMs) as Promise<WorkerConnectResult>;
        }),
      )
    ).filter((r): r is WorkerConnectResult => r !== undefined);
    const failures: Record<string, number> = {};
    for (const r of results) mergeCounts(failures, r.failures);
    const connected = sum(results.map((r) => r.connected));
    const startedAt = Math.min(...results.map((r) => r.startedAt));
    const endedAt = Math.max(...results.map((r) => r.endedAt));
    const seconds = results.length ? Math.max(0.001, (endedAt - startedAt) / 1000) : 0;
    return {
      connected,
      failed: sum(results.map((r) => r.failed)),
      failures,
      seconds,
      acceptsPerSecond: seconds ? connected / seconds : 0,
      peakAcceptsPerSecond: peakPerWindow(mergeSorted(results.map((r) => r.connectTimes)), 1000),
    };
  }

  async stats(): Promise<LoadStats> {
    const all = (await this.broadcast('stats')) as LoadStats[];
    const failures: Record<string, number> = {};
    for (const s of all) mergeCounts(failures, s.failures);
    return {
      open: sum(all.map((s) => s.open)),
      connectedTotal: sum(all.map((s) => s.connectedTotal)),
      failures,
      messages: sum(all.map((s) => s.messages)),
      latencySamples: sum(all.map((s) => s.latencySamples)),
      latencyOverflow: sum(all.map((s) => s.latencyOverflow)),
    };
  }

  /** Every worker's latency samples since the last reset, merged and sorted (ms). */
  async latencies(): Promise<LatencySamples> {
    const all = (await this.broadcast('latencies')) as LatencySamples[];
    return { samples: mergeSorted(all.map((l) => l.samples)), overflow: sum(all.map((l) => l.overflow)) };
  }

  async resetLatencies(): Promise<void> {
    await this.broadcast('resetLatencies');
  }

  async reconnectReport(): Promise<ReconnectReport> {
    const all = (await this.broadcast('reconnectReport')) as ReconnectReport[];
    const failures: Record<string, number> = {};
    for (const r of all) mergeCounts(failures, r.failures);
    const losses = all.map((r) => r.firstLossAt).filter((t) => !Number.isNaN(t));
    const total = (key: 'reconnects' | 'reconnectFrames' | 'serverCloses' | 'http503' | 'gaveUp' | 'pending' | 'timesOverflow') =>
      sum(all.map((r) => r[key]));
    return {
      reconnects: total('reconnects'),
      reconnectFrames: total('reconnectFrames'),
      serverCloses: total('serverCloses'),
      http503: total('http503'),
      gaveUp: total('gaveUp'),
      pending: total('pending'),
      failures,
      firstLossAt: losses.length ? Math.min(...losses) : NaN,
      reconnectTimes: mergeSorted(all.map((r) => r.reconnectTimes)),
      timesOverflow: total('timesOverflow'),
    };
  }

  /** Drops every connection of every plan (and pending reconnects); the storm counters restart. */
  async closeAll(): Promise<void> {
    await this.broadcast('closeAll');
    for (const p of this.procs) p.allocated = 0;
  }

  /** Ends the child processes (and with them every connection). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.killOnExit);
    this.rejectAll(new Error('the fleet was stopped'));
    await Promise.all(
      this.procs.map(
        ({ child }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const force = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(force);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** The plan's devices split evenly over the workers, checked against each process's budget. */
  private split(plan: ConnectPlan): { first: number; count: number }[] {
    if (this.stopped) throw new Error('the fleet was stopped');
    if (this.failure) throw this.failure;
    if (!WIRE_PROTOCOLS.includes(plan.protocol))
      throw new Error(`unknown wire protocol "${plan.protocol}"; one of ${WIRE_PROTOCOLS.join(', ')}`);
    assertLoopbackHost(plan.host ?? '127.0.0.1');
    assertInt('port', plan.port, 1, 65_535);
    for (const p of plan.reconnect?.alternativePorts ?? []) assertInt('reconnect.alternativePorts[]', p, 1, 65_535);
    if (plan.reconnect && plan.reconnect.alternativePorts.length === 0)
      throw new Error('reconnect.alternativePorts must name at least one port');
    if (plan.reconnect && plan.protocol !== 'pushwire')
      throw new Error('reconnect (the storm) is implemented for the pushwire protocol only');
    if (plan.protocol === 'pushwire' && !plan.tokens)
      throw new Error('a pushwire plan needs `tokens` (the JWT secret and account mapping)');
    assertInt('first', plan.first, 0, Number.MAX_SAFE_INTEGER);
    assertInt('count', plan.count, 0, MAX_FLEET_CONNECTIONS);
    const held = sum(this.procs.map((p) => p.allocated));
    if (held + plan.count > MAX_FLEET_CONNECTIONS)
      throw new Error(`the fleet would hold ${held + plan.count} connections; at most ${MAX_FLEET_CONNECTIONS}`);
    const workers = this.workers;
    const threads = this.opts.threadsPerProcess;
    const slices = Array.from({ length: workers }, (_, w) => {
      const base = Math.floor(plan.count / workers);
      const count = base + (w < plan.count % workers ? 1 : 0);
      const first = plan.first + w * base + Math.min(w, plan.count % workers);
      return { first, count };
    });
    this.procs.forEach((p, i) => {
      const adding = sum(slices.slice(i * threads, (i + 1) * threads).map((s) => s.count));
      if (p.allocated + adding > this.opts.maxSocketsPerProcess) {
        const needed = Math.ceil((held + plan.count) / this.opts.maxSocketsPerProcess);
        throw new Error(
          `the fleet is too small for this plan: process ${i} would hold ${p.allocated + adding} sockets, over its budget of ${this.opts.maxSocketsPerProcess}; start at least ${needed} processes (or closeAll first)`,
        );
      }
    });
    return slices;
  }

  private broadcast(type: 'stats' | 'latencies' | 'resetLatencies' | 'reconnectReport' | 'closeAll'): Promise<unknown[]> {
    if (this.stopped) return Promise.reject(new Error('the fleet was stopped'));
    if (this.failure) return Promise.reject(this.failure);
    return Promise.all(Array.from({ length: this.workers }, (_, w) => this.request(w, { id: 0, type }, this.opts.commandTimeoutMs)));
  }

  /** Sends one command to worker `w` (global index) and waits for its answer, at most `timeoutMs`. */
  private request(w: number, command: WorkerCommand, timeoutMs: number): Promise<unknown> {
    const threads = this.opts.threadsPerProcess;
    const proc = this.procs[Math.floor(w / threads)]!;
    const id = this.nextId++;
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`loadgen worker ${w} did not answer "${command.type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolvePromise, reject, timer });
      const message: FleetParentMessage = { worker: w % threads, command: { ...command, id } };
      proc.child.send(message, (err) => {
        if (err) this.settle(id, new Error(`sending "${command.type}" to loadgen worker ${w} failed: ${err.message}`));
      });
    });
  }

  private settle(id: number, outcome: { ok: true; result: unknown } | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome.result);
  }

  private rejectAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, err);
  }

  /** Waits until every process reported its threads online; watches them for the fleet's life. */
  private awaitReady(): Promise<void> {
    return new Promise((resolveReady, rejectReady) => {
      let ready = 0;
      const timer = setTimeout(
        () => rejectReady(new Error(`the loadgen fleet did not start within ${this.opts.startTimeoutMs} ms`)),
        this.opts.startTimeoutMs,
      );
      const fail = (err: Error) => {
        this.failure ??= err;
        clearTimeout(timer);
        rejectReady(err);
        this.rejectAll(err);
      };
      this.procs.forEach(({ child }, i) => {
        child.on('message', (message: FleetChildMessage) => {
          if (message.type === 'reply') {
            const { reply } = message;
            this.settle(
              reply.id,
              reply.ok ? reply : new Error(`loadgen worker ${i * this.opts.threadsPerProcess + message.worker}: ${reply.error}`),
            );
          } else if (message.type === 'ready') {
            if (message.fdLimit && message.fdLimit < this.opts.maxSocketsPerProcess + 100) {
              fail(
                new Error(
                  `loadgen process ${i} may open only ${message.fdLimit} files, too few for maxSocketsPerProcess ${this.opts.maxSocketsPerProcess}; lower it`,
                ),
              );
            } else if (++ready === this.procs.length) {
              clearTimeout(timer);
              resolveReady();
            }
          } else {
            fail(new Error(`loadgen process ${i} failed: ${message.error}`));
          }
        });
        child.on('error', (err) => fail(new Error(`loadgen process ${i} could not start: ${err.message}`)));
        child.on('exit', (code, signal) => {
          if (!this.stopped) fail(new Error(`loadgen process ${i} exited (${signal ?? `code ${code}`})`));
        });
      });
    });
  }

  private killAll(): void {
    for (const { child } of this.procs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function assertInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Concatenates ascending arrays into one ascending array. */
function mergeSorted(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(sum(parts.map((p) => p.length)));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}
