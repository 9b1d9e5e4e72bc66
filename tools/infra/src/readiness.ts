import { setTimeout as delay } from 'node:timers/promises';
import { InfraError } from './errors';
import { isAlive, tailFile, type StartedProcess } from './processes';

/** How to tell a started process is ready, and how long to keep asking. */
export interface ReadinessOptions {
  /** Used in messages: "kafka", "dynamodb-local". */
  readonly name: string;
  readonly process: StartedProcess;
  /** Resolves when the service answers; rejects (any error) while it does not yet. */
  readonly probe: () => Promise<void>;
  /** Give up after this long. Default 90 s: a cold JVM on a busy 2-core machine. */
  readonly timeoutMs?: number;
  /** Pause between probes. Default 200 ms. */
  readonly intervalMs?: number;
  /** Extra log file to quote on failure (Kafka's log4j file). */
  readonly detailLog?: string;
}

/**
 * Polls `probe` until it succeeds and returns the milliseconds it took. Fails fast when the process
 * exits, and on timeout; both errors quote the tail of the process log, which is where the reason is.
 */
export async function waitUntilReady(opts: ReadinessOptions): Promise<number> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 90_000);
  let lastError: unknown;
  for (;;) {
    if (!isAlive(opts.process.pid)) {
      throw new InfraError(`${opts.name} (pid ${opts.process.pid}) exited before it was ready.\n${logTails(opts)}`, { cause: lastError });
    }
    try {
      await opts.probe();
      return Date.now() - started;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new InfraError(
        `${opts.name} (pid ${opts.process.pid}) was not ready after ${Math.round((Date.now() - started) / 1000)} s; last probe: ${reason}\n${logTails(opts)}`,
        { cause: lastError },
      );
    }
    await delay(opts.intervalMs ?? 200); // ref'd: the CLI must stay alive while it waits
  }
}

function logTails(opts: ReadinessOptions): string {
  const parts = [`--- ${opts.process.logFile} (last lines) ---\n${tailFile(opts.process.logFile)}`];
  if (opts.detailLog) parts.push(`--- ${opts.detailLog} (last lines) ---\n${tailFile(opts.detailLog)}`);
  return parts.join('\n');
}
