/** setTimeout that does not keep a Node process alive (browsers return a number, which has no unref). */
export function unrefTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(fn, ms);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** True in Node (and runtimes that mimic it, like Bun); false in browsers and workers. */
export const isNodeRuntime = (): boolean =>
  typeof process !== 'undefined' && typeof (process as { versions?: { node?: string } }).versions?.node === 'string';
