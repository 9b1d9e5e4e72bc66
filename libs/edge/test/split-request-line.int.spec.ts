import { startTestEdge, type TestEdge } from '../src/testing';
import { handshakeRequest, RawSocket } from './raw-http';

/**
 * Real networks and TLS terminators split long request lines (browsers carry the token in the URL).
 * The uWS build the edge used before answered 505 whenever the request line came in two segments
 * (uNetworking/uWebSockets#1776); each case sends it in two writes that the edge reads apart.
 */
describe('edge: a request line split across TCP segments is answered normally', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge();
  });
  afterAll(() => t.stop());

  const portOf = (url: string) => Number(new URL(url).port);

  /** Where the request line is cut, as a function of the line (without its CRLF). */
  const SPLITS: [string, (line: string) => number][] = [
    ['inside the method', () => 2],
    ['after "GET "', () => 4],
    ['in the middle of the target', (line) => Math.floor(line.indexOf(' HTTP/') / 2)],
    ['before " HTTP/1.1"', (line) => line.indexOf(' HTTP/')],
    ['inside the version', (line) => line.indexOf(' HTTP/') + 8],
    ['between CR and LF', (line) => line.length + 1],
  ];

  /** Opens a socket to `port` and sends `request` cut at `split`. */
  async function sendSplit(port: number, request: string, split: (line: string) => number): Promise<RawSocket> {
    const at = split(request.slice(0, request.indexOf('\r\n')));
    const socket = await RawSocket.open(port);
    await socket.write(request.slice(0, at), request.slice(at));
    return socket;
  }

  it.each(SPLITS)('device port: a WebSocket upgrade cut %s gets 101 and the welcome', async (label, split) => {
    const token = await t.token('split', `ws-${label.replace(/\W+/g, '-')}`);
    const socket = await sendSplit(portOf(t.deviceUrl), handshakeRequest(`/v1/connect?token=${token}`), split);
    expect((await socket.answer()).status).toBe(101);
    const welcome = await socket.until(() => socket.textFrames().find((f) => f.includes('"welcome"')), 5000, 'a welcome frame');
    expect(JSON.parse(welcome)).toMatchObject({ type: 'welcome', accountId: 'split' });
    socket.destroy();
  });

  it.each(SPLITS)('device port: an SSE request cut %s gets the event stream and the welcome', async (label, split) => {
    const token = await t.token('split', `sse-${label.replace(/\W+/g, '-')}`);
    const socket = await sendSplit(portOf(t.deviceUrl), `GET /v1/events?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, split);
    const answer = await socket.answer();
    expect([answer.status, answer.headers['content-type']]).toEqual([200, 'text/event-stream']);
    await socket.until(() => (socket.text().includes('"type":"welcome"') ? true : undefined), 5000, 'a welcome event');
    socket.destroy();
  });

  it.each(SPLITS)('internal port: GET /healthz cut %s gets 200', async (_label, split) => {
    const socket = await sendSplit(portOf(t.internalUrl), 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', split);
    const answer = await socket.answer();
    expect([answer.status, answer.body.toString()]).toEqual([200, '{"status":"ok"}']);
    socket.destroy();
  });
});
