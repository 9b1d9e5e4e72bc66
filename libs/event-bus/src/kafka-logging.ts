import { logLevel as LogLevel, type logCreator, type LogEntry } from 'kafkajs';

/**
 * Error answers a broker gives in normal operation. kafkajs logs every error response at ERROR,
 * so each rebalance (a member joins, leaves or restarts) would otherwise page someone.
 */
const ROUTINE_ANSWERS = [
  /The group is rebalancing/i, // REBALANCE_IN_PROGRESS to a heartbeat or commit: kafkajs re-joins
  /Specified group generation id is not valid/i, // ILLEGAL_GENERATION: a request from before the rebalance
];

const isRoutine = (entry: LogEntry) =>
  entry.level === LogLevel.ERROR && ROUTINE_ANSWERS.some((re) => re.test(String(entry.log.error ?? '')));

/**
 * An error for an entry of kafkajs' logger, as kafkajs' own entries carry one: the text and the
 * stack (an entry is written as JSON, where an Error object would come out as `{}`).
 */
export function errorEntry(err: unknown): { error: string; stack?: string } {
  return err instanceof Error && err.stack ? { error: String(err), stack: err.stack } : { error: String(err) };
}

/** kafkajs' own console output (one JSON line per entry), which kafkajs does not export. */
export const consoleLogCreator: logCreator =
  () =>
  ({ namespace, level, label, log }) => {
    const line = JSON.stringify({ level: label, ...log, message: `${namespace ? `[${namespace}] ` : ''}${log.message}` });
    if (level === LogLevel.ERROR) console.error(line);
    else if (level === LogLevel.WARN) console.warn(line);
    else console.info(line);
  };

/**
 * Wraps a log creator so routine broker answers come out at INFO instead of ERROR (and not at all
 * below INFO). Every other entry passes unchanged. `level` is the client's configured level: kafkajs
 * filters on the original level before calling, so a demoted entry is filtered again here.
 */
export function demoteRoutineErrors(inner: logCreator): logCreator {
  return (level) => {
    const write = inner(level);
    return (entry) => {
      if (!isRoutine(entry)) return write(entry);
      if (level >= LogLevel.INFO) write({ ...entry, level: LogLevel.INFO, label: 'INFO' });
    };
  };
}
