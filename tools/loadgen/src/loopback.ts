import net from 'node:net';

/**
 * The load generator only ever connects to this machine: hundreds of thousands of sockets from a
 * bench must never hit a real host by a typo. 127.0.0.0/8 is loopback as a whole on Linux.
 */
export function assertLoopbackHost(host: string): void {
  if (net.isIPv4(host) && host.startsWith('127.')) return;
  throw new Error(`loadgen connects to loopback addresses only (127.0.0.0/8); refusing target host "${host}"`);
}

/**
 * The `k`-th local source address (k from 0): 127.0.0.2, 127.0.0.3, … One source address has some
 * 28,000 ephemeral ports towards one target port, so a fleet spreads its connections over many.
 * 127.0.0.1 is left to the servers; past 127.0.0.255 the count carries into the third octet.
 */
export function sourceAddress(k: number): string {
  const n = 2 + k;
  if (!Number.isInteger(k) || k < 0 || n > 0xffffff) throw new RangeError(`no loopback source address number ${k}`);
  return `127.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
}
