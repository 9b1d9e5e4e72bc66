/**
 * The control API every peer server (bare-uws, ws-server, socketio-server) serves on its one port,
 * so a bench drives them all alike:
 *
 *   GET  /readyz  → 200 `ok`
 *   GET  /stats   → {"connections": n}
 *   POST /push    {"items":[{"deviceId","payload"}]} → {"delivered": n, "missing": m}
 *                 (like the edge's POST /v1/deliver batch: fire-and-forget writes to local sockets)
 *   POST /fanout  {"payload","repeat"?: k} → {"delivered": total}: every connected device, k times
 *   POST /publish {"topic","payload"} → {"delivered": n}: the payload as is to every socket in the
 *                 topic (the servers that have topics: a socket joins those its connect URL names,
 *                 `topics=a,b`; bare uWS: `app.publish`, Socket.IO: a room)
 *
 * Bodies are validated here (400 {"error": …}); the servers only differ in how they hold and write
 * to sockets (PeerSockets). Kept free of Pushwire code so a peer's memory is its library's alone.
 */

/** Largest control body: a push batch of big payloads stays well under it. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Largest `repeat` of one /fanout call, so one request cannot stall a server for minutes. */
export const MAX_FANOUT_REPEAT = 10_000;
/** Close code for a connection replaced by a newer one of the same device (as Pushwire's edge uses). */
export const CLOSE_REPLACED = 4001;

/** What a peer server does with its sockets, keyed by device id. */
export interface PeerSockets {
  /** Connected devices (the size of the server's device map). */
  connections(): number;
  /** Writes `payload` as one text message to `deviceId`; false when it is not connected here. */
  sendTo(deviceId: string, payload: string): boolean;
  /** Writes `payload` to every connected device `repeat` times (round by round); returns the writes. */
  sendAll(payload: string, repeat: number): number;
  /** Writes `payload` to every socket in `topic`; returns how many (servers without topics: absent). */
  publish?(topic: string, payload: string): number;
}

export interface ControlAnswer {
  status: number;
  body: unknown;
}

interface PushItem {
  deviceId: string;
  payload: string;
}

class BadRequest extends Error {}

function parseObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('body must be a JSON object');
  return body as Record<string, unknown>;
}

function parsePush(text: string): PushItem[] {
  const { items } = parseObject(text);
  if (!Array.isArray(items)) throw new BadRequest('items must be an array');
  items.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new BadRequest(`items[${i}] must be an object`);
    const { deviceId, payload } = item as Record<string, unknown>;
    if (typeof deviceId !== 'string' || deviceId === '') throw new BadRequest(`items[${i}].deviceId must be a non-empty string`);
    if (typeof payload !== 'string') throw new BadRequest(`items[${i}].payload must be a string`);
  });
  return items as PushItem[];
}

function parseFanout(text: string): { payload: string; repeat: number } {
  const { payload, repeat = 1 } = parseObject(text);
  if (typeof payload !== 'string') throw new BadRequest('payload must be a string');
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1 || repeat > MAX_FANOUT_REPEAT) {
    throw new BadRequest(`repeat must be an integer from 1 to ${MAX_FANOUT_REPEAT}`);
  }
  return { payload, repeat };
}

function parsePublish(text: string): { topic: string; payload: string } {
  const { topic, payload } = parseObject(text);
  if (typeof topic !== 'string' || topic === '') throw new BadRequest('topic must be a non-empty string');
  if (typeof payload !== 'string') throw new BadRequest('payload must be a string');
  return { topic, payload };
}

/** The topics a socket's connect URL asks for (`topics=a,b`), or undefined without. */
export function topicsFromQuery(query: string | null | undefined): string[] | undefined {
  const topics = new URLSearchParams(query ?? '').get('topics');
  return topics ? topics.split(',').filter((t) => t !== '') : undefined;
}

/** Answers a control POST (`/push` or `/fanout`) with body `text`; any other path is 404. */
export function handleControlPost(path: string, text: string, sockets: PeerSockets): ControlAnswer {
  try {
    if (path === '/push') {
      let delivered = 0;
      let missing = 0;
      for (const { deviceId, payload } of parsePush(text)) {
        if (sockets.sendTo(deviceId, payload)) delivered++;
        else missing++;
      }
      return { status: 200, body: { delivered, missing } };
    }
    if (path === '/fanout') {
      const { payload, repeat } = parseFanout(text);
      return { status: 200, body: { delivered: sockets.sendAll(payload, repeat) } };
    }
    if (path === '/publish' && sockets.publish) {
      const { topic, payload } = parsePublish(text);
      return { status: 200, body: { delivered: sockets.publish(topic, payload) } };
    }
    return { status: 404, body: { error: 'not found: GET /readyz, GET /stats, POST /push, POST /fanout' } };
  } catch (e) {
    if (e instanceof BadRequest) return { status: 400, body: { error: e.message } };
    throw e;
  }
}

/** `{"connections": n}` for GET /stats. */
export const statsBody = (sockets: PeerSockets) => ({ connections: sockets.connections() });

/** The device id of a connect URL's query string (`device=…`), or '' without one. */
export function deviceFromQuery(query: string | null | undefined): string {
  return new URLSearchParams(query ?? '').get('device') ?? '';
}

/** The listening port from BENCH_PORT; exits when it is missing or not a port. */
export function benchPort(): number {
  const port = Number(process.env.BENCH_PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write('BENCH_PORT must be set to a TCP port\n');
    process.exit(2);
  }
  return port;
}
