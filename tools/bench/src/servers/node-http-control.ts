/** The control API (see control.ts) as a node:http request listener, for the ws and Socket.IO peers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, handleControlPost, statsBody, type PeerSockets } from './control';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function controlListener(sockets: PeerSockets): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (req.method === 'GET' && path === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (req.method === 'GET' && path === '/stats') {
      sendJson(res, 200, statsBody(sockets));
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 404, { error: 'not found: GET /readyz, GET /stats, POST /push, POST /fanout' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        sendJson(res, 413, { error: `body exceeds ${MAX_BODY_BYTES} bytes` });
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const answer = handleControlPost(path, Buffer.concat(chunks).toString('utf8'), sockets);
      sendJson(res, answer.status, answer.body);
    });
  };
}
