/** What a LogThrottle lets through: how many lines it held back since the last one it let through. */
export interface ThrottledLine {
  suppressed: number;
}

/**
 * Bounds log lines an outsider can cause (a failure a hostile frame or request triggers again and
 * again): at most `perInterval` lines per interval, each with its stack, and one count of what was
 * held back on the next line let through — a flood costs a few lines a minute, not one per input.
 */
export class LogThrottle {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly perInterval = 10,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to log this line; undefined when it is held back (and counted). */
  take(): ThrottledLine | undefined {
    const now = this.now();
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perInterval) {
      this.suppressed++;
      return undefined;
    }
    this.inWindow++;
    const line = { suppressed: this.suppressed };
    this.suppressed = 0;
    return line;
  }
}
