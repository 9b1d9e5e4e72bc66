/** A listener; it may return a promise, whose rejection is reported like a throw. */
export type Listener<T> = (payload: T) => void | Promise<void>;

/**
 * A minimal typed event emitter that runs in browsers and Node. Unlike Node's EventEmitter it never
 * throws out of `emit`: a listener's throw or rejection goes to `onListenerError`, so one faulty
 * handler cannot break the connection loop that emitted the event.
 */
export class TypedEmitter<E extends object> {
  private readonly listeners = new Map<keyof E, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof E) => void) {}

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return this;
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.listeners.get(event)?.delete(listener as Listener<never>);
    return this;
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /**
   * Calls every listener of `event` synchronously. The returned promise resolves (never rejects)
   * once the promises returned by listeners have settled, so callers can act "after handlers ran".
   */
  protected emit<K extends keyof E>(event: K, payload: E[K]): Promise<void> {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return Promise.resolve();
    const pending: Promise<void>[] = [];
    for (const listener of [...set] as Listener<E[K]>[]) {
      try {
        const result = listener(payload);
        if (result && typeof (result as Promise<void>).then === 'function') {
          pending.push(Promise.resolve(result).then(undefined, (e: unknown) => this.onListenerError(e, event)));
        }
      } catch (e) {
        this.onListenerError(e, event);
      }
    }
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }
}
