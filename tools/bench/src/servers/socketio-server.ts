// Peer: Socket.IO 4 on a node:http server — what many Node users pick for push. WebSocket transport
// only (no long-polling upgrade dance), no per-message deflate, Socket.IO's default heartbeat
// (pingInterval 25 s, pingTimeout 20 s). Devices connect at /socket.io/?device=<id>&EIO=4&transport=websocket
// and receive `push` events; the control API (control.ts) is served on the same port. With `&topics=a,b`
// a socket joins those rooms on connection (bench:topics: POST /publish is `io.to(room).emit`).
import http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { benchPort, deviceFromQuery, type PeerSockets } from './control';
import { controlListener } from './node-http-control';

const devices = new Map<string, Socket>();

const sockets: PeerSockets = {
  connections: () => devices.size,
  sendTo(deviceId, payload) {
    const socket = devices.get(deviceId);
    if (!socket) return false;
    socket.emit('push', payload);
    return true;
  },
  sendAll(payload, repeat) {
    for (let r = 0; r < repeat; r++) for (const socket of devices.values()) socket.emit('push', payload);
    return devices.size * repeat;
  },
  publish(topic, payload) {
    io.to(topic).emit('push', payload);
    return io.sockets.adapter.rooms.get(topic)?.size ?? 0;
  },
};

const server = http.createServer(controlListener(sockets));
const io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  // Refuse a handshake without a device id before Engine.IO builds any session for it.
  allowRequest: (req, callback) => callback(null, deviceFromQuery((req.url ?? '').split('?', 2)[1]) !== ''),
});

io.on('connection', (socket) => {
  const deviceId = String(socket.handshake.query.device);
  const older = devices.get(deviceId);
  devices.set(deviceId, socket);
  older?.disconnect(true);
  const { topics } = socket.handshake.query;
  if (typeof topics === 'string' && topics !== '') void socket.join(topics.split(','));
  socket.on('disconnect', () => {
    if (devices.get(deviceId) === socket) devices.delete(deviceId);
  });
});

server.listen(benchPort(), '127.0.0.1');
server.on('error', (err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
