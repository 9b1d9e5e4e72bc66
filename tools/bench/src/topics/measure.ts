/**
 * What bench:topics' scenarios share: waiting for the devices' timestamped arrivals, the peers'
 * POST /publish, CPU time of a set of server processes, and clean-ups that run once.
 */
import type { ClientFleet } from '@pushwire/loadgen';
import type { BenchRun } from '../bench-run';
import { threadsCpuSeconds } from '../cluster-bench';
import type { RunningServer } from '../suite/servers';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the fleet holds `expected` latency samples since its last reset (frames that carried a
 * send time: the bench's own; a foreign broadcast on a shared broker has none and is not counted), or
 * `timeoutMs` passed; resolves with how many it holds.
 */
export async function waitForSamples(fleet: ClientFleet, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = (await fleet.stats()).latencySamples;
    if (got >= expected || Date.now() > deadline) return got;
    await sleep(10);
  }
}

/** A peer's POST /publish (control.ts): `payload` as is to every socket in `topic`; resolves with how many. */
export async function publishToPeer(server: RunningServer, topic: string, payload: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${server.devicePort}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic, payload }),
  });
  if (!res.ok) throw new Error(`${server.name} /publish answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { delivered: number }).delivered;
}

/**
 * The environment of an edge reading the topic log on `kafkaBrokers`. Logs: errors only — with
 * brokers set the edge also publishes connection events, whose topic the device-list service creates
 * (not running here), so each batch would log a warning and be retried.
 */
export const topicEdgeEnv = (kafkaBrokers: string): Record<string, string> => ({
  KAFKA_BROKERS: kafkaBrokers,
  PUSHWIRE_LOG_LEVEL: 'error',
});

/** CPU seconds of all threads of these processes together (ns resolution). */
export const cpuOf = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + threadsCpuSeconds(pid), 0);

/** `stop` wrapped to run once, at the end of a scenario or when the bench cleans up after a failure or signal. */
export function stopOnce(bench: BenchRun, stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => (done ??= stop());
  bench.onCleanup(once);
  return once;
}
