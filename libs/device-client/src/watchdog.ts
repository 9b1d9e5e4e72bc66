import { unrefTimeout } from './timers';

/** What the watchdog does when the line goes quiet. */
export interface WatchdogActions {
  /** Nothing arrived for 2 × heartbeat: ask the server for a sign of life (a `ping` frame). */
  probe(): void;
  /** Still nothing one heartbeat after the probe: the connection is dead. */
  dead(): void;
}

/**
 * Detects a silent connection (a NAT that dropped the mapping, a frozen edge) that TCP would notice
 * only minutes later. One timer per client: activity just stamps the time and the timer, when it
 * fires, re-arms itself for the remaining quiet period instead of being reset on every message.
 */
export class HeartbeatWatchdog {
  private timer?: ReturnType<typeof setTimeout>;
  private heartbeatMs = 0;
  private lastActivityAt = 0;
  private probedAt?: number;

  constructor(
    private readonly actions: WatchdogActions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts watching with the heartbeat interval the server announced in `welcome`. */
  start(heartbeatSeconds: number): void {
    this.stop();
    this.heartbeatMs = heartbeatSeconds * 1000;
    this.lastActivityAt = this.now();
    this.arm(2 * this.heartbeatMs);
  }

  /** Anything arrived: a frame, a WebSocket ping, an SSE comment. */
  activity(): void {
    this.lastActivityAt = this.now();
    this.probedAt = undefined;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.probedAt = undefined;
  }

  private arm(ms: number): void {
    this.timer = unrefTimeout(() => this.check(), Math.max(0, ms));
  }

  private check(): void {
    this.timer = undefined;
    const now = this.now();
    if (this.probedAt !== undefined) {
      const waited = now - this.probedAt;
      if (waited >= this.heartbeatMs) return this.actions.dead();
      return this.arm(this.heartbeatMs - waited);
    }
    const quiet = now - this.lastActivityAt;
    if (quiet < 2 * this.heartbeatMs) return this.arm(2 * this.heartbeatMs - quiet);
    this.probedAt = now;
    this.arm(this.heartbeatMs);
    this.actions.probe();
  }
}
