// Peer: the `ws` library on a node:http server — what a Node user picks for plain WebSockets. Devices
// connect at /v1/connect?device=<id>; the control API (control.ts) is served on the same port.
// perMessageDeflate and ws's own client Set are off: the device map below is the one index, and one
// interval pings every socket each 30 s, terminating those that did not answer the previous ping.
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_REPLACED, benchPort, deviceFromQuery, type PeerSockets } from './control';
import { controlListener } from './node-http-control';

const HEARTBEAT_MS = 30_000;

interface Connection {
  readonly ws: WebSocket;
  alive: boolean;
}

const devices = new Map<string, Connection>();

const sockets: PeerSockets = {
  connections: () => devices.size,
  sendTo(deviceId, payload) {
    const c = devices.get(deviceId);
    if (!c) return false;
    c.ws.send(payload);
    return true;
  },
  sendAll(payload, repeat) {
    for (let r = 0; r < repeat; r++) for (const c of devices.values()) c.ws.send(payload);
    return devices.size * repeat;
  },
};

const server = http.createServer(controlListener(sockets));
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

server.on('upgrade', (req, socket, head) => {
  const [path, query] = (req.url ?? '/').split('?', 2);
  const deviceId = deviceFromQuery(query);
  if (path !== '/v1/connect' || deviceId === '') {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const c: Connection = { ws, alive: true };
    const older = devices.get(deviceId);
    devices.set(deviceId, c);
    older?.ws.close(CLOSE_REPLACED, 'replaced by a newer connection');
    ws.on('pong', () => (c.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      if (devices.get(deviceId) === c) devices.delete(deviceId);
    });
  });
});

setInterval(() => {
  for (const c of devices.values()) {
    if (!c.alive) {
      c.ws.terminate();
      continue;
    }
    c.alive = false;
    c.ws.ping();
  }
}, HEARTBEAT_MS);

server.listen(benchPort(), '127.0.0.1');
server.on('error', (err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
