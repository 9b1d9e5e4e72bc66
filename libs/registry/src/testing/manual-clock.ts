/**
 * A clock tests move by hand (epoch milliseconds). Pass `clock.now` to a store; it starts at the
 * real time by default so records written to a real DynamoDB table look current.
 */
export class ManualClock {
  private ms: number;
  constructor(startMs: number = Date.now()) {
    this.ms = startMs;
  }
  /** Current time in epoch milliseconds (bound: safe to pass as `now`). */
  readonly now = (): number => this.ms;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a ManualClock only moves forward; use set() to go back');
    this.ms += ms;
  }
  /** Sets the clock to `ms` epoch milliseconds. */
  set(ms: number): void {
    this.ms = ms;
  }
}
