import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PushwireError, type PushwireErrorOptions } from '@pushwire/protocol';

/** A wrong command line (code `invalid_request`): printed with the command's usage, exit code 64 (EX_USAGE). */
export class UsageError extends PushwireError {
  override readonly name = 'UsageError';
  constructor(message: string, options: PushwireErrorOptions = {}) {
    super('invalid_request', message, options);
  }
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | string[] | undefined>): Promise<number>;
  /** Commands under this one (`pushctl dlq list`): the first argument names one. */
  subcommands?: Command[];
  /** The one argument the command takes besides flags (`pushctl trace <messageId>`): its value under this name. */
  positional?: string;
}

/** Parses a command's flags strictly: unknown flags and stray arguments are usage errors. */
export function parseCommand(cmd: Command, argv: string[]): Record<string, string | boolean | string[] | undefined> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
    const taken = cmd.positional && positionals.length ? { [cmd.positional]: positionals.shift() } : {};
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return { ...(values as Record<string, string | boolean | string[] | undefined>), ...taken };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message, { cause: e });
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function positiveInt(values: Record<string, unknown>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${String(v)}"`);
  return n;
}

/** One JSON document per line on stdout: easy to read, easy to pipe into jq. */
export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

/** A flag's value when given (a string flag); undefined when not. */
export function optional(values: Record<string, unknown>, name: string): string | undefined {
  return values[name] as string | undefined;
}
