/** Something a test opened that must not outlive it (an SDK client, a raw socket). */
export interface Closable {
  close(): unknown;
}

const open = new Set<Closable>();

/** Registers `c` to be closed after the current test; returns it. */
export function track<T extends Closable>(c: T): T {
  open.add(c);
  return c;
}

/** Closes what the test opened (the suite calls this after each test). */
export function closeTracked(): void {
  for (const c of open) c.close();
  open.clear();
}
