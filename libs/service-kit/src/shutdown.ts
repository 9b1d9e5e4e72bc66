import type { Logger } from 'pino';

/**
 * Turns SIGINT/SIGTERM into one graceful shutdown. A second signal while shutting down exits at
 * once; a shutdown that takes longer than `timeoutMs` is forced.
 */
export function onShutdownSignal(logger: Logger, shutdown: (signal: string) => Promise<void>, timeoutMs = 30_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out: exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
