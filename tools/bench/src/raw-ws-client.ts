import net from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * The leanest WebSocket client we can write for load: a TCP socket, an RFC 6455 upgrade request and
 * nothing else (no frame parsing; received bytes are discarded). It costs the bench process a socket
 * and a few hundred bytes, so hundreds of thousands fit in a few client processes.
 */
export function openRawWebSocket(opts: { port: number; path: string; localAddress: string; headers?: Record<string, string> }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: opts.port, host: '127.0.0.1', localAddress: opts.localAddress });
    let head = '';
    const extra = Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.once('connect', () => {
      socket.write(`GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
    });
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.on('data', () => undefined); // keep reading (pings, frames) so nothing backs up
      if (head.startsWith('HTTP/1.1 101')) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(head.slice(0, head.indexOf('\r\n'))));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}
