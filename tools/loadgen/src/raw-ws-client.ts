import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFrames, type FrameSink, type FrameState } from './ws-frames';

/** How to open a raw WebSocket; with `onText`, the client reads frames instead of discarding them. */
export interface RawWebSocketOptions {
  port: number;
  path: string;
  localAddress: string;
  headers?: Record<string, string>;
  /**
   * Called with every text message the server sends (the welcome frame included). Pings are
   * answered with pongs, so the connection outlives the server's idle timeout. Default: none, and
   * received bytes are discarded unread.
   */
  onText?: (text: string) => void;
}

/**
 * The leanest WebSocket client we can write for load: a TCP socket, an RFC 6455 upgrade request and
 * nothing else. Without `onText` it does no frame parsing at all (received bytes are discarded): it
 * costs the bench process a socket and a few hundred bytes, so hundreds of thousands fit in a few
 * client processes. With `onText` it parses the server's (unmasked) frames and answers pings.
 */
export function openRawWebSocket(opts: RawWebSocketOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: opts.port, host: '127.0.0.1', localAddress: opts.localAddress });
    let head = '';
    const extra = Object.entries(opts.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.once('connect', () => {
      socket.write(
        `GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (opts.onText) {
        const onText = opts.onText;
        const state: FrameState & FrameSink = {
          socket,
          buffered: undefined,
          fragments: undefined,
          onText,
          onCloseFrame: () => socket.end(),
        };
        socket.on('data', (data: Buffer) => readFrames(state, socket, data));
        // Frames that came in the same chunk as the response head (latin1 keeps the bytes as they were).
        if (head.length > end + 4) readFrames(state, socket, Buffer.from(head.slice(end + 4), 'latin1'));
      } else {
        socket.on('data', () => undefined); // keep reading (pings, frames) so nothing backs up
      }
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
