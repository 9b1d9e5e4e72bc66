import { MAX_INBOX_BATCH, type InboxEntry, type InboxStoreResult } from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';

interface PendingStore {
  readonly entries: InboxEntry[];
  resolve(results: InboxStoreResult[]): void;
  reject(err: unknown): void;
}

/**
 * The inbox as the processor's RequestLifecycle stores into it: the stores its targets start in one
 * turn of the event loop go to the registry as ONE `store` call (up to MAX_INBOX_BATCH entries),
 * instead of a request per undeliverable message. After an outage (a cluster restart: hundreds of
 * queued messages for offline devices) that is one request per wave, not one per device in flight,
 * on a registry that is slow already. Results go back to their callers by position; a failed call
 * fails each store of it (each message then retries as it would after its own failure). The other
 * calls go straight through.
 */
export class InboxStoreWaves implements InboxClient {
  private wave: PendingStore[] = [];
  private size = 0;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly inner: InboxClient) {}

  store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (this.size + entries.length > MAX_INBOX_BATCH) this.flush();
      this.wave.push({ entries, resolve, reject });
      this.size += entries.length;
      if (this.size >= MAX_INBOX_BATCH) this.flush();
      // Not unref'd: it stands for a store somebody awaits, and lives one loop turn.
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  pending: InboxClient['pending'] = (devices, opts) => this.inner.pending(devices, opts);
  remove: InboxClient['remove'] = (items, opts) => this.inner.remove(items, opts);
  takeExpired: InboxClient['takeExpired'] = (limit, opts) => this.inner.takeExpired(limit, opts);
  close: InboxClient['close'] = () => this.inner.close();

  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const wave = this.wave;
    this.wave = [];
    this.size = 0;
    if (wave.length === 0) return;
    Promise.resolve()
      .then(() => this.inner.store(wave.flatMap((p) => p.entries)))
      .then(
        (results) => {
          let at = 0;
          for (const p of wave) {
            p.resolve(results.slice(at, at + p.entries.length));
            at += p.entries.length;
          }
        },
        (err: unknown) => {
          for (const p of wave) p.reject(err);
        },
      );
  }
}
