import type { Consumer } from 'kafkajs';

/**
 * Watches a starting kafkajs consumer for its first fetch or its crash, whichever comes first.
 * `consumer.run()` resolves once the group is joined but reports a failed join only through the
 * CRASH event, and a consumer has its start offsets once it fetched: subscriptions and tails await
 * `settled`, then throw `crashed.error` if there is one. Watch before connecting; dispose after.
 */
export class FirstFetch {
  /** Only ever resolves: a crash during run() would otherwise be a rejection nobody awaits yet. */
  readonly settled: Promise<void>;
  private crash?: { readonly error: unknown };
  private readonly removers: Array<() => void> = [];

  constructor(consumer: Consumer) {
    const { FETCH, CRASH } = consumer.events;
    this.settled = new Promise<void>((resolve) => {
      this.removers.push(consumer.on(FETCH, () => resolve()));
      this.removers.push(
        consumer.on(CRASH, (event) => {
          this.crash = { error: event.payload.error };
          resolve();
        }),
      );
    });
  }

  /** The crash seen so far, if any. */
  get crashed(): { readonly error: unknown } | undefined {
    return this.crash;
  }

  dispose(): void {
    for (const remove of this.removers.splice(0)) remove();
  }
}
