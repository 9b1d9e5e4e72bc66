/** Default cap of raw latency samples one worker keeps: 2M × 8 bytes = 16 MiB at most. */
export const DEFAULT_LATENCY_CAP = 2_000_000;

/**
 * Raw samples (latencies in ms, event times) in a growing Float64Array, up to a cap; beyond it
 * samples are only counted. Raw samples rather than a histogram: the benches report exact
 * percentiles and peak rates and merge workers by concatenation, and a bench run is bounded anyway.
 */
export class SampleBuffer {
  private samples = new Float64Array(0);
  private length = 0;
  private overflowed = 0;

  constructor(private readonly cap: number = DEFAULT_LATENCY_CAP) {
    if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`sample cap must be a non-negative integer, got ${cap}`);
  }

  record(value: number): void {
    if (this.length === this.samples.length) {
      if (this.length >= this.cap) {
        this.overflowed++;
        return;
      }
      // Grown by doubling from 64 Ki samples, so an idle worker does not hold 16 MiB.
      const grown = new Float64Array(Math.min(this.cap, Math.max(65_536, this.length * 2)));
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.length++] = value;
  }

  get count(): number {
    return this.length;
  }

  /** Samples that did not fit under the cap. */
  get overflow(): number {
    return this.overflowed;
  }

  /** A sorted copy of the samples (sorted here so that workers sort in parallel). */
  sorted(): Float64Array {
    return this.samples.slice(0, this.length).sort();
  }

  reset(): void {
    this.samples = new Float64Array(0);
    this.length = 0;
    this.overflowed = 0;
  }
}
