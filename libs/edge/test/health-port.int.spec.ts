import { startTestEdge, type TestEdge } from '../src/testing';
import { RawSocket, type RawAnswer } from './raw-http';

/**
 * No uWebSockets.js build runs a handler for an HTTP/1.0 request, so simple health checkers get
 * nothing from the uWS ports; PUSHWIRE_EDGE_HEALTH_PORT serves /healthz and /readyz on node:http.
 */
describe('edge: the health port answers HTTP/1.0 and HTTP/1.1 health checks', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({ healthPort: 0 });
  });
  afterAll(() => t.stop());

  /** Sends `request` to `port` (the health port by default) and reads the answer. */
  async function ask(request: string, port = t.edge.healthPort): Promise<{ answer: RawAnswer; socket: RawSocket }> {
    const socket = await RawSocket.open(port);
    await socket.write(request);
    return { answer: await socket.answer(), socket };
  }
  /** The internal port's answer to GET `path`, on a socket closed afterwards (uWS keeps idle ones 10 s). */
  async function askInternal(edge: TestEdge, path: string): Promise<[number, string]> {
    const { answer, socket } = await ask(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, Number(new URL(edge.internalUrl).port));
    socket.destroy();
    return [answer.status, answer.body.toString()];
  }

  it('is off unless PUSHWIRE_EDGE_HEALTH_PORT is set', async () => {
    const plain = await startTestEdge();
    expect(plain.edge.healthPort).toBe(0);
    await plain.stop();
    expect(t.edge.healthPort).toBeGreaterThan(0);
  });

  it.each([
    ['HTTP/1.0 without Host', 'GET /healthz HTTP/1.0\r\n\r\n'],
    ['HTTP/1.0 with Host', 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'],
  ])('answers GET /healthz over %s with 200 and closes, as HTTP/1.0 expects', async (_what, request) => {
    const { answer, socket } = await ask(request);
    expect([answer.status, answer.headers['content-type'], answer.body.toString()]).toEqual([200, 'application/json', '{"status":"ok"}']);
    await socket.closed;
  });

  it('answers GET /readyz over HTTP/1.0 and HTTP/1.1 like the internal port does', async () => {
    const expected = await askInternal(t, '/readyz');
    expect(expected).toEqual([200, '{"status":"ready"}']);
    for (const version of ['HTTP/1.0', 'HTTP/1.1']) {
      const { answer, socket } = await ask(`GET /readyz ${version}\r\nHost: 127.0.0.1\r\n\r\n`);
      expect([answer.status, answer.body.toString()]).toEqual(expected);
      socket.destroy();
    }
  });

  it('answers anything else with the catalogue 404', async () => {
    for (const request of ['GET /metrics HTTP/1.0\r\n\r\n', 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n']) {
      const { answer, socket } = await ask(request);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body.toString())).toMatchObject({ error: { code: 'not_found' } });
      socket.destroy();
    }
  });

  it('answers /readyz 503 draining while the edge drains, as the internal port does', async () => {
    const draining = await startTestEdge({ healthPort: 0 });
    await draining.edge.drain(0);
    const { answer } = await ask('GET /readyz HTTP/1.0\r\n\r\n', draining.edge.healthPort);
    expect([answer.status, answer.body.toString()]).toEqual([503, '{"status":"draining"}']);
    expect(await askInternal(draining, '/readyz')).toEqual([503, '{"status":"draining"}']);
    await draining.stop();
  });
});
