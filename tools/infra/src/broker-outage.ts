import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InfraError } from './errors';
import { probeBroker } from './kafka';
import { isOurs, spawnDetached, stopProcess } from './processes';
import { waitUntilReady } from './readiness';
import type { RunningInfra } from './start';
import { writeRunState } from './state';

/** A broker that was stopped by `stopKafka`: start it again where it was. */
export interface StoppedKafka {
  /** How the broker went: `stopped` (SIGTERM, a clean shutdown) or `killed` (SIGKILL). */
  readonly how: 'stopped' | 'killed';
  /** Starts the broker again (same ports, same data, same run) and resolves once it serves clients and groups. */
  restart(opts?: { timeoutMs?: number }): Promise<void>;
}

/**
 * A broker outage for tests of what a client does meanwhile: stops the Kafka broker of a run
 * `startInfra` made (never the shared one: its pid is checked against the run's marker), SIGTERM
 * by default or SIGKILL, and resolves once it is gone. `restart()` runs its own command line again,
 * so it comes back on the same port with the same topics and records (the run's `stop()` then
 * stops the new process).
 */
export async function stopKafka(infra: RunningInfra, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<StoppedKafka> {
  const { state } = infra;
  const proc = state.kafka;
  if (!proc || !infra.kafkaBrokers || !isOurs(proc)) throw new InfraError(`stopKafka: run ${state.runId} has no running Kafka broker`);
  const command = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const how = await stopProcess(proc, signal === 'SIGKILL' ? 0 : 15_000);
  if (how === 'not-running') throw new InfraError(`stopKafka: the broker (pid ${proc.pid}) exited meanwhile`);
  const brokers = infra.kafkaBrokers;
  let restarted = false;
  return {
    how,
    async restart(opts = {}) {
      if (restarted) throw new InfraError('stopKafka: this broker was restarted already');
      restarted = true;
      const [java, ...args] = command;
      const started = spawnDetached(java!, args, { cwd: path.join(state.runDir, 'kafka'), logFile: proc.logFile, marker: proc.marker });
      // The run's stop() (and a later run's reaper) find the broker by the pid recorded here.
      state.kafka = { ...proc, pid: started.pid, startedAt: new Date().toISOString() };
      writeRunState(state);
      await waitUntilReady({
        name: 'kafka',
        process: started,
        probe: () => probeBroker(brokers),
        timeoutMs: opts.timeoutMs,
        detailLog: proc.serverLog,
      });
    },
  };
}
