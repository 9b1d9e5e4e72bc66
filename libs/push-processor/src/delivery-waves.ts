import type { PushMessage, PushTarget } from '@pushwire/protocol';
import type { DeliveryAttempt, DeliveryItem, DeliveryOptions, DeliveryPort } from './delivery-port';

/** Default of `DeliveryWaves`' `maxWave`: one edge request's worth (MAX_DELIVERY_BATCH). */
export const DEFAULT_DELIVERY_WAVE = 1000;

interface Pending {
  readonly item: DeliveryItem;
  resolve(attempt: DeliveryAttempt): void;
  reject(err: unknown): void;
}

/**
 * Groups the deliveries a batch's targets start in one turn of the event loop into ONE call of the
 * port's `deliverMany` (the push client then makes one registry lookup for the routes it lacks and
 * one request per target edge), instead of one call per message. The processor keeps at most one
 * message per target in flight (a target's requests run one after the other), so a wave never holds
 * two messages of one device and per-device order is the processor's, untouched. Results map back
 * to their callers by position. A port without `deliverMany` is called once per delivery, all in the
 * same turn (the push client's coalescer makes that one dispatch), each delivery settling alone; a
 * `deliverMany` that rejects fails every delivery of its wave (the batch then comes again, as when
 * one delivery threw), so it must reject only once none of its deliveries runs any more.
 *
 * A wave is handed over on setImmediate — after every continuation of the previous wave's answers
 * ran, so the targets whose message just finished put their next one in the same wave — or at once
 * when it reaches `maxWave`.
 */
export class DeliveryWaves implements DeliveryPort {
  private wave: Pending[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly port: DeliveryPort,
    private readonly maxWave: number = DEFAULT_DELIVERY_WAVE,
  ) {
    if (!Number.isInteger(maxWave) || maxWave < 1) throw new RangeError(`maxWave must be a positive integer, got ${maxWave}`);
  }

  deliver(target: PushTarget, message: PushMessage, opts?: DeliveryOptions): Promise<DeliveryAttempt> {
    return new Promise((resolve, reject) => {
      this.wave.push({ item: { target, message, ...(opts ? { opts } : {}) }, resolve, reject });
      if (this.wave.length >= this.maxWave) this.flush();
      // Not unref'd: it stands for a delivery somebody awaits, and lives one loop turn.
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  deliverMany(items: readonly DeliveryItem[]): Promise<DeliveryAttempt[]> {
    return Promise.all(items.map((i) => this.deliver(i.target, i.message, i.opts)));
  }

  /** Hands the pending wave to the port now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const wave = this.wave;
    if (wave.length === 0) return;
    this.wave = [];
    if (!this.port.deliverMany) {
      // One call per delivery, all in this turn (the push client coalesces them into one dispatch),
      // each settling its own caller: one that throws must not fail the others while they still run.
      for (const p of wave) {
        try {
          this.port.deliver(p.item.target, p.item.message, p.item.opts).then(p.resolve, p.reject);
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    const items = wave.map((p) => p.item);
    // Inside a then: a port that throws at once fails its wave like one that rejects.
    const answered = Promise.resolve().then(() => this.port.deliverMany!(items));
    answered.then(
      (attempts) => {
        if (attempts.length !== wave.length) {
          const err = new Error(`deliverMany answered ${attempts.length} attempts for ${wave.length} deliveries`);
          for (const p of wave) p.reject(err);
          return;
        }
        for (let i = 0; i < wave.length; i++) wave[i]!.resolve(attempts[i]!);
      },
      (err: unknown) => {
        for (const p of wave) p.reject(err);
      },
    );
  }
}
