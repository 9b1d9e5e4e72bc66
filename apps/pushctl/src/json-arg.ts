import { UsageError } from './cli';

/** The JSON payload of `--data`, or a usage error that shows what is expected. */
export function jsonData(v: Record<string, unknown>): unknown {
  const raw = v.data;
  if (typeof raw !== 'string' || raw === '') throw new UsageError('--data is required');
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new UsageError(`--data must be JSON, e.g. '{"hello":"world"}' (got ${raw})`, { cause: e });
  }
}

/** `--priority`, checked. */
export function priorityArg(v: Record<string, unknown>): 'high' | 'normal' | 'low' | undefined {
  const p = v.priority as string | undefined;
  if (p !== undefined && !['high', 'normal', 'low'].includes(p)) throw new UsageError('--priority must be high, normal or low');
  return p as 'high' | 'normal' | 'low' | undefined;
}
