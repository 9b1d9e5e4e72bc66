import type { Counter } from '@pushwire/service-kit';

/**
 * A labelled counter's child per label value, made on first use and kept: prom-client's `labels()`
 * builds a label object and a bound function on every call, which paths that count every frame or
 * every d2d message would pay each time. The values must be few (frame types, statuses).
 */
export function labelledCounter<L extends string>(counter: Pick<Counter<L>, 'labels'>): (value: string) => Counter.Internal {
  const children = new Map<string, Counter.Internal>();
  return (value) => {
    let child = children.get(value);
    if (!child) children.set(value, (child = counter.labels(value)));
    return child;
  };
}
