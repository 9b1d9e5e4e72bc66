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
