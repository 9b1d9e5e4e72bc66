import type { OutputSink } from '@pushwire/cluster';

const KEEP_LINES = 5000;

/**
 * Every service's output lines, numbered, the newest few thousand kept: tests mark a point and
 * read what a service logged since (the log-flood regression), and failures show the last lines.
 * Lines are echoed to stderr with PUSHWIRE_TEST_VERBOSE set.
 */
export class ServiceOutput {
  private readonly lines: { service: string; n: number; line: string }[] = [];
  private count = 0;

  readonly sink: OutputSink = (service, line) => {
    this.lines.push({ service, n: ++this.count, line });
    if (this.lines.length > KEEP_LINES) this.lines.shift();
    if (process.env.PUSHWIRE_TEST_VERBOSE) process.stderr.write(`[${service}] ${line}\n`);
  };

  /** A point in the output; pass it to `since`. */
  mark(): number {
    return this.count;
  }

  /** Lines `service` wrote after `mark`. */
  since(mark: number, service: string): string[] {
    return this.lines.filter((l) => l.n > mark && l.service === service).map((l) => l.line);
  }

  /** The last `n` lines of `service`, for failure messages. */
  tail(service: string, n = 20): string[] {
    return this.lines
      .filter((l) => l.service === service)
      .slice(-n)
      .map((l) => l.line);
  }
}
