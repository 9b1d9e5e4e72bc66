import { KafkaJSConnectionError, logLevel, type LogEntry } from 'kafkajs';
import { demoteRoutineErrors, errorEntry } from './kafka-logging';

// kafkajs' logLevel is a plain object at runtime (no reverse mapping), hence the labels here.
const LABELS: Partial<Record<logLevel, string>> = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN' };
const entry = (level: logLevel, error?: string): LogEntry => ({
  namespace: 'Connection',
  level,
  label: LABELS[level] ?? 'INFO',
  log: { timestamp: 't', message: 'Response Heartbeat(key: 12, version: 3)', ...(error ? { error } : {}) },
});

describe('demoteRoutineErrors', () => {
  const written = (configured: logLevel, entries: LogEntry[]) => {
    const out: LogEntry[] = [];
    const log = demoteRoutineErrors(() => (e) => void out.push(e))(configured);
    entries.forEach(log);
    return out.map((e) => [e.label, e.log.error]);
  };

  it("logs a broker's rebalance answers at INFO instead of ERROR", () => {
    expect(
      written(logLevel.INFO, [
        entry(logLevel.ERROR, 'The group is rebalancing, so a rejoin is needed'),
        entry(logLevel.ERROR, 'Specified group generation id is not valid'),
      ]),
    ).toEqual([
      ['INFO', 'The group is rebalancing, so a rejoin is needed'],
      ['INFO', 'Specified group generation id is not valid'],
    ]);
  });

  it('drops them below INFO and passes every other entry unchanged', () => {
    expect(
      written(logLevel.ERROR, [
        entry(logLevel.ERROR, 'The group is rebalancing, so a rejoin is needed'),
        entry(logLevel.ERROR, 'Connection refused'),
        entry(logLevel.WARN),
      ]),
    ).toEqual([
      ['ERROR', 'Connection refused'],
      ['WARN', undefined],
    ]);
  });
});

describe('errorEntry', () => {
  it('gives an entry the error with its stack, as kafkajs logs its own (JSON would turn an Error into {})', () => {
    const e = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    const fields = errorEntry(e);
    expect(fields.error).toBe('KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:1');
    expect(JSON.parse(JSON.stringify(fields)).stack).toEqual(expect.stringContaining('kafka-logging.spec.ts'));
    expect(errorEntry('closed')).toEqual({ error: 'closed' });
  });
});
