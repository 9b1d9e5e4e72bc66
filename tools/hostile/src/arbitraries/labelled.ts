import fc from 'fast-check';

/**
 * `value` printed as its label in fast-check's reports: a counterexample of raw frames or
 * megabyte bodies would otherwise fill the failure message with bytes.
 */
export function labelled<T extends { readonly label: string }>(value: T): T {
  return Object.assign(value, { [fc.toStringMethod]: () => value.label });
}
