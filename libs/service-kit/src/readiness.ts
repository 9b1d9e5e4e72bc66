/** A dependency a service needs to do its work (a store, the event bus), checked by /readyz. */
export interface DependencyCheck {
  /** Named in the 503 body, e.g. `registry-store`, `event-bus`, `consumer-group`. */
  readonly dependency: string;
  /** Resolves when the dependency answers; rejects (or returns a reason) when it does not. */
  check(): Promise<string | undefined> | string | undefined;
}

/** One dependency that is not ready, and why. */
export interface ReadinessFailure {
  readonly dependency: string;
  readonly reason: string;
}

/** The body of /readyz: 200 `{status: 'ready'}`, or 503 naming every failing dependency. */
export type ReadinessBody = { status: 'ready' } | { status: 'not_ready'; failing: ReadinessFailure[] };

/** The /readyz answer for a list of failures (none: ready). */
export function readinessAnswer(failing: readonly ReadinessFailure[]): { status: 200 | 503; body: ReadinessBody } {
  return failing.length === 0
    ? { status: 200, body: { status: 'ready' } }
    : { status: 503, body: { status: 'not_ready', failing: [...failing] } };
}

export interface ReadinessOptions {
  /** A check not answered within this fails. Default 800 ms: the answer must beat Kubernetes' default 1 s probe timeout. */
  readonly timeoutMs?: number;
  /** A verdict is reused this long, so probes from many checkers cost the stores one call. Default 1000 ms. */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * Runs a service's dependency checks for /readyz: all at once, each bounded by a timeout, and the
 * verdict shared by the probes arriving within `cacheMs` (and by those arriving while it runs), so a
 * fleet of load balancers probing every second still costs each store one small read a second.
 */
export class Readiness {
  private last: { at: number; failing: ReadinessFailure[] } | undefined;
  private running: Promise<ReadinessFailure[]> | undefined;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly checks: readonly DependencyCheck[],
    opts: ReadinessOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 800;
    this.cacheMs = opts.cacheMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** The dependencies that are not ready now (empty: ready). */
  failing(): Promise<ReadinessFailure[]> {
    if (this.last && this.now() - this.last.at < this.cacheMs) return Promise.resolve(this.last.failing);
    this.running ??= Promise.all(this.checks.map((c) => this.run(c))).then((results) => {
      const failing = results.filter((f): f is ReadinessFailure => f !== undefined);
      this.last = { at: this.now(), failing };
      this.running = undefined;
      return failing;
    });
    return this.running;
  }

  private async run(c: DependencyCheck): Promise<ReadinessFailure | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      timer.unref();
    });
    try {
      const reason = await Promise.race([Promise.resolve().then(() => c.check()), timeout]);
      return reason === undefined ? undefined : { dependency: c.dependency, reason };
    } catch (err) {
      return { dependency: c.dependency, reason: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}
