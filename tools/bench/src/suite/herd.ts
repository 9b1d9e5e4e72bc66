/**
 * Pushwire's herd scenarios: the reconnect storm (an edge holding N devices drains on SIGTERM; the
 * devices come back to the other edges the way the device SDK does, against their accept-rate
 * limit) and the hold of many connections over several edges with heartbeats on.
 */
import { ClientFleet, peakPerWindow } from '@pushwire/loadgen';
import type { BenchRun } from '../bench-run';
import { rssBytes } from '../service-process';
import { connectPlan, device } from './scenarios';
import { startPushwireEdges } from './servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the fleet, then the edges, once — at the end of the scenario or when the bench cleans up. */
function stopOnce(bench: BenchRun, fleet: ClientFleet, cluster: { stop(): Promise<void> }): () => Promise<void> {
  let done = false;
  const cleanUp = async () => {
    if (done) return;
    done = true;
    await fleet.stop();
    await cluster.stop();
  };
  bench.onCleanup(cleanUp);
  return cleanUp;
}
const SOCKETS_PER_CLIENT_PROCESS = 19_000;
/** The accept limit the surviving edges run with: the shipped default. */
const ACCEPTS_PER_SECOND = 5000;

export interface StormFigures {
  /** From SIGTERM to the last device connected elsewhere. */
  seconds: number;
  peakAcceptsPerSecond: number;
  /** Reconnect attempts the surviving edges refused with 503 (accept limit). */
  refused: number;
  /** Devices whose reconnect policy gave up. */
  gaveUp: number;
  reconnected: number;
}

/**
 * N devices on edge 1 of three, which then goes away: `drain` — SIGTERM, and the edge asks its
 * devices to reconnect spread over `drainSeconds` (they leave when it closes them after the
 * `reconnect` frame and close grace, and wait random(0, afterMs)); `kill` — SIGKILL, every device
 * drops at once and backs off from zero. Either way they reconnect to edges 2 and 3 in turn, backing
 * off on 503 like the SDK, against those edges' accept limit.
 */
export async function reconnectStorm(
  mode: 'drain' | 'kill',
  n: number,
  drainSeconds: number,
  bench: BenchRun,
  log: (msg: string) => void,
): Promise<StormFigures> {
  const cluster = await startPushwireEdges(3, {
    env: {
      PUSHWIRE_EDGE_DRAIN_SECONDS: String(drainSeconds),
      PUSHWIRE_EDGE_ACCEPTS_PER_SECOND: String(ACCEPTS_PER_SECOND),
      PUSHWIRE_CLIENT_CLOSE_GRACE_SECONDS: '1',
    },
  });
  const fleet = await ClientFleet.start({ processes: Math.ceil(n / SOCKETS_PER_CLIENT_PROCESS), threadsPerProcess: 1 });
  const cleanUp = stopOnce(bench, fleet, cluster);
  try {
    const [draining, ...others] = cluster.edges as [(typeof cluster.edges)[0], ...typeof cluster.edges];
    // Under the drained edge's own accept limit, so the storm starts from N connected devices.
    const initial = await fleet.connect(
      connectPlan('pushwire', draining.devicePort, n, 0, {
        ratePerSecond: ACCEPTS_PER_SECOND * 0.8,
        reconnect: { alternativePorts: others.map((e) => e.devicePort), waitForServerClose: true, maxAttempts: 10 },
      }),
    );
    if (initial.connected < n)
      throw new Error(
        `storm: only ${initial.connected} of ${n} devices connected to the edge to drain (${JSON.stringify(initial.failures)})`,
      );
    await draining.settled(n, device(n - 1));
    log(`storm: ${n} devices on edge 1; ${mode === 'drain' ? `SIGTERM (drain window ${drainSeconds} s)` : 'SIGKILL'}`);
    const t0 = Date.now();
    const terminated = mode === 'drain' ? draining.terminate() : draining.stop();
    const deadline = t0 + (drainSeconds + 120) * 1000;
    let report = await fleet.reconnectReport();
    while (report.reconnects + report.gaveUp < n && Date.now() < deadline && !bench.interrupted) {
      await sleep(250);
      report = await fleet.reconnectReport();
    }
    await terminated;
    const times = report.reconnectTimes;
    const last = times.length ? times[times.length - 1]! : NaN;
    const figures = {
      seconds: Math.round((last - t0) / 100) / 10,
      peakAcceptsPerSecond: peakPerWindow(times, 1000),
      refused: report.http503,
      gaveUp: report.gaveUp + Math.max(0, n - report.reconnects - report.gaveUp),
      reconnected: report.reconnects,
    };
    log(
      `storm: ${figures.reconnected}/${n} reconnected in ${figures.seconds} s, peak ${figures.peakAcceptsPerSecond}/s, ${figures.refused} × 503, ${figures.gaveUp} gave up`,
    );
    return figures;
  } finally {
    await cleanUp();
  }
}

export interface HoldFigures {
  openAtEnd: number;
  rssPerConnection: number;
  note: string;
}

/**
 * `total` connections spread over `edgeCount` edges (each ≤ 19,000: the per-process file limit),
 * heartbeats every 10 s, held for three heartbeat periods; how many are still open at the end.
 */
export async function holdMany(total: number, edgeCount: number, bench: BenchRun, log: (msg: string) => void): Promise<HoldFigures> {
  const perEdge = Math.ceil(total / edgeCount);
  if (perEdge > SOCKETS_PER_CLIENT_PROCESS) throw new Error(`hold: ${perEdge} connections per edge is over one process's file limit`);
  const cluster = await startPushwireEdges(edgeCount, { env: { PUSHWIRE_HEARTBEAT_SECONDS: '10' } });
  const fleet = await ClientFleet.start({ processes: Math.ceil(total / SOCKETS_PER_CLIENT_PROCESS), threadsPerProcess: 1 });
  const cleanUp = stopOnce(bench, fleet, cluster);
  try {
    const base = cluster.edges.map((e) => rssBytes(e.pid));
    const t0 = Date.now();
    let first = 0;
    for (const edge of cluster.edges) {
      const count = Math.min(perEdge, total - first);
      const r = await fleet.connect(connectPlan('pushwire', edge.devicePort, count, first));
      log(`hold: ${r.connected} connected to ${edge.devicePort} (${JSON.stringify(r.failures)})`);
      first += count;
    }
    const connectSeconds = (Date.now() - t0) / 1000;
    await cluster.edges.at(-1)!.settled(total, device(total - 1));
    log(`hold: ${(await fleet.stats()).open} open; holding 35 s (heartbeats every 10 s)`);
    await sleep(35_000);
    const stats = await fleet.stats();
    const rss = cluster.edges.map((e, i) => rssBytes(e.pid) - base[i]!).reduce((a, b) => a + b, 0);
    return {
      openAtEnd: stats.open,
      rssPerConnection: Math.round(rss / Math.max(1, stats.open)),
      note: `Hold: ${total} devices over ${edgeCount} edge processes and ${Math.ceil(total / SOCKETS_PER_CLIENT_PROCESS)} client processes (a process holds at most ~19,500 sockets here), connected in ${connectSeconds.toFixed(1)} s, ${stats.open} still open after 35 s with heartbeats every 10 s.`,
    };
  } finally {
    await cleanUp();
  }
}
