/**
 * How a bench runs as a command: it undoes what it started (last first, once) at the end, after a
 * failure and on SIGINT/SIGTERM; wrong options exit 2 with the usage text, failures exit 1.
 */

import { parseArgs } from 'node:util';
import { PushwireError } from '@pushwire/protocol';

/** Wrong options (code `invalid_request`): the message and the usage text, exit code 2. */
export class UsageError extends PushwireError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}
/** A failure the message explains in full (no stack trace), exit code 1. Its code is the bench's own. */
export class BenchFailure extends PushwireError<'bench_failed'> {
  override readonly name = 'BenchFailure';
  constructor(message: string) {
    super('bench_failed', message);
  }
}

export class BenchRun {
  private readonly undo: (() => Promise<void>)[] = [];
  private cleaning?: Promise<void>;
  private signal?: NodeJS.Signals;

  /** `name` prefixes every message (`bench:registry`); `usage` follows a UsageError's message. */
  constructor(
    private readonly name: string,
    private readonly usage: string,
  ) {}

  /** Set by SIGINT/SIGTERM: the load stops and the bench returns; the signal handler cleans up and exits. */
  get interrupted(): NodeJS.Signals | undefined {
    return this.signal;
  }

  /** Registers how to undo what was just started; steps run last first. */
  onCleanup(step: () => Promise<void>): void {
    this.undo.push(step);
  }

  /** Runs `main`, cleans up and exits the process: 0, 1 (failure), 2 (usage), 130/143 (signal). */
  run(main: () => Promise<void>): void {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        this.signal = signal;
        console.error(`${this.name}: ${signal}, stopping what it started…`);
        void this.cleanUp().finally(() => process.exit(code));
      });
    }
    main().then(
      async () => {
        await this.cleanUp();
        if (!this.signal) process.exit(0);
      },
      async (e: unknown) => {
        await this.cleanUp();
        // The signal handler exits once the same clean-up is done; what failed after the signal is its consequence.
        if (this.signal) return;
        if (e instanceof UsageError) {
          console.error(`${this.name}: ${e.message}\n\n${this.usage}`);
          process.exit(2);
        }
        console.error(
          e instanceof BenchFailure
            ? `${this.name} failed: ${e.message}`
            : `${this.name} failed: ${e instanceof Error ? e.stack : String(e)}`,
        );
        process.exit(1);
      },
    );
  }

  private cleanUp(): Promise<void> {
    return (this.cleaning ??= (async () => {
      for (let step = this.undo.pop(); step; step = this.undo.pop()) {
        try {
          await step();
        } catch (e) {
          console.error(`${this.name}: cleaning up failed: ${(e as Error).message}`);
        }
      }
    })());
  }
}

/**
 * Parses `--name value` options, `defaults` naming each (undefined: no default) and `-h`/`--help`.
 * Undefined when help was asked for; a UsageError for an unknown option or a missing value.
 */
export function parseBenchArgs<K extends string>(
  args: string[],
  defaults: Record<K, string | undefined>,
): Record<K, string | undefined> | undefined {
  const options = Object.fromEntries(
    Object.entries<string | undefined>(defaults).map(([name, value]) => [
      name,
      value === undefined ? { type: 'string' as const } : { type: 'string' as const, default: value },
    ]),
  );
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { ...options, help: { type: 'boolean', short: 'h', default: false } },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return values.help ? undefined : (values as Record<K, string | undefined>);
}

/** `raw` as an integer from `min` to `max`, else a UsageError naming `--name`. */
export function intOption(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  return n;
}

/** Whether a URL's (or a `host:port`'s) host is a loopback address. */
export function isLoopback(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
