// The baseline: uWebSockets.js with nothing but a device map, on BENCH_PORT. Devices connect at
// /v1/connect?device=<id> (a newer connection of an id replaces and closes the older), and with
// `&topics=a,b` are subscribed to those uWS topics at open (bench:topics: POST /publish is then
// `app.publish`, uWS's native pub/sub, the floor of the edge's topic fan-out); the control API
// (control.ts: /readyz, /stats, /push, /fanout, /publish) is served on the same port. Any other path
// still accepts a WebSocket without tracking it — the bare socket idle-memory measures.
import { uWS, type HttpResponse, type WebSocket } from '@pushwire/uws';
import { CLOSE_REPLACED, MAX_BODY_BYTES, benchPort, handleControlPost, statsBody, topicsFromQuery, type PeerSockets } from './control';

interface SocketData {
  deviceId: string;
  /** Only on sockets that asked for topics (so the plain socket stays as it was). */
  topics?: string[];
}

const devices = new Map<string, WebSocket<SocketData>>();

const sockets: PeerSockets = {
  connections: () => devices.size,
  sendTo(deviceId, payload) {
    const ws = devices.get(deviceId);
    if (!ws) return false;
    ws.send(payload, false);
    return true;
  },
  sendAll(payload, repeat) {
    for (let r = 0; r < repeat; r++) for (const ws of devices.values()) ws.send(payload, false);
    return devices.size * repeat;
  },
  publish(topic, payload) {
    app.publish(topic, payload, false);
    return app.numSubscribers(topic);
  },
};

function respond(res: HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(body));
  });
}

const STATUS: Record<number, string> = { 200: '200 OK', 400: '400 Bad Request', 404: '404 Not Found', 413: '413 Payload Too Large' };

/** POST /push and /fanout: reads the body (copying uWS's chunks, which die after the callback). */
function controlPost(path: string) {
  return (res: HttpResponse) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (aborted) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        aborted = true;
        respond(res, STATUS[413]!, { error: `body exceeds ${MAX_BODY_BYTES} bytes` });
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      const answer = handleControlPost(path, Buffer.concat(chunks).toString('utf8'), sockets);
      respond(res, STATUS[answer.status]!, answer.body);
    });
  };
}

// uWS drops sends past maxBackpressure (64 KiB by default); ws and Socket.IO buffer without bound, so
// the baseline gets the edge's 64 MiB rather than losing messages of a fan-out burst.
const MAX_BACKPRESSURE = 64 * 1024 * 1024;

const app = uWS.App();
app
  .get('/readyz', (res) => {
    res.end('ok');
  })
  .get('/stats', (res) => respond(res, STATUS[200]!, statsBody(sockets)))
  .post('/push', controlPost('/push'))
  .post('/fanout', controlPost('/fanout'))
  .post('/publish', controlPost('/publish'))
  .ws<SocketData>('/v1/connect', {
    idleTimeout: 60,
    sendPingsAutomatically: true,
    maxBackpressure: MAX_BACKPRESSURE,
    upgrade: (res, req, context) => {
      const deviceId = req.getQuery('device') ?? '';
      if (deviceId === '') {
        res.writeStatus(STATUS[400]!).end('device query parameter required');
        return;
      }
      const topics = topicsFromQuery(req.getQuery());
      res.upgrade(
        topics ? { deviceId, topics } : { deviceId },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const { deviceId, topics } = ws.getUserData();
      const older = devices.get(deviceId);
      devices.set(deviceId, ws);
      if (topics) for (const topic of topics) ws.subscribe(topic);
      older?.end(CLOSE_REPLACED, 'replaced by a newer connection');
    },
    close: (ws) => {
      const { deviceId } = ws.getUserData();
      if (devices.get(deviceId) === ws) devices.delete(deviceId);
    },
  })
  .ws('/*', { idleTimeout: 60, sendPingsAutomatically: true })
  .any('/*', (res) =>
    respond(res, STATUS[404]!, {
      error: 'not found: GET /readyz, GET /stats, POST /push, POST /fanout, POST /publish, WS /v1/connect?device=',
    }),
  )
  .listen('127.0.0.1', benchPort(), (socket) => {
    if (!socket) process.exit(1);
  });
