import net from 'node:net';

/** Loopback only: the brokers and DynamoDB Local are for this machine's tests and tools. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the kernel for `count` distinct free TCP ports on loopback: binds port 0 that many times,
 * holding every socket open until all are read so no two answers collide, then closes them.
 * A port could be taken by someone else between close and the Java process binding it; the start
 * then fails with the process log, and that window is milliseconds.
 */
export async function freePorts(count: number, host = LOOPBACK): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(await listenOnZero(server, host));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

function listenOnZero(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error(`could not read the port bound on ${host}`));
    });
  });
}
