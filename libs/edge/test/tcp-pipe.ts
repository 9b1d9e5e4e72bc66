import net from 'node:net';

/**
 * Joins an accepted `client` socket to a new connection to host:port both ways (what a TCP load
 * balancer or proxy does), tracking both sockets in `sockets` until they close; either side's close
 * ends the other.
 */
export function pipeTo(client: net.Socket, port: number, host: string, sockets: Set<net.Socket>): void {
  const upstream = net.connect(port, host);
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  }
  client.pipe(upstream).pipe(client);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

/** A TCP proxy the test controls (see cuttableProxy). */
export interface CuttableProxy {
  url: string;
  /** Resets every connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  /** Stops passing on what clients send (it waits in the proxy) until `cut`; answers still flow back. */
  hold(): void;
  /** Bytes clients sent while held. */
  readonly heldBytes: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on a loopback port to `target()` (read at each new connection, so it may name a server
 * started after the proxy) that can cut every connection and refuse new ones, hold what clients send,
 * and be restored.
 */
export async function cuttableProxy(target: () => URL): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  let down = false;
  let heldBytes = 0;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    clients.add(client);
    client.on('close', () => clients.delete(client));
    pipeTo(client, Number(target().port), target().hostname, sockets);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut: () => {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      down = false;
      heldBytes = 0;
    },
    hold: () => {
      for (const c of clients) {
        c.unpipe();
        c.on('data', (chunk: Buffer) => (heldBytes += chunk.length));
        c.resume(); // unpipe paused it
      }
    },
    get heldBytes() {
      return heldBytes;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
