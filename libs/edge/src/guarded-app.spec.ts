import { closeListenSocket, listenPort, uWS, type us_listen_socket } from '@pushwire/uws';
import WebSocket from 'ws';
import { createLogger, LogThrottle } from '@pushwire/service-kit';
import { guardHandlers, logHandlerFailures } from './guarded-app';
import { respondJson, type ResponseState } from './uws-http';

// A real uWS app on a loopback port whose handlers fail in every way a bug could make them fail.
// Unguarded, each of these ends the process (uWS aborts on a handler that returns without answering;
// a throw or an unhandled rejection is fatal): guarded, each is a 500 JSON answer or a 1011 close.

describe('guardHandlers', () => {
  let socket: us_listen_socket;
  let port: number;
  const failures: { message: string; where: string }[] = [];

  beforeAll(async () => {
    const app = guardHandlers(uWS.App(), (err, where) => failures.push({ message: (err as Error).message, where }));
    app.get('/throws', () => {
      throw new Error('sync bug');
    });
    app.get('/rejects', (res) => {
      const state: ResponseState = { aborted: false };
      res.onAborted(() => (state.aborted = true));
      return Promise.resolve().then(() => {
        throw new RangeError('Maximum call stack size exceeded');
      });
    });
    app.get('/answers-then-throws', (res) => {
      respondJson(res, { aborted: false }, 200, { ok: true });
      throw new Error('late bug');
    });
    app.get('/fine', (res) => respondJson(res, { aborted: false }, 200, { ok: true }));
    app.ws('/ws', {
      message: (_ws, message) => {
        if (Buffer.from(message).toString() === 'boom') throw new Error('frame bug');
      },
    });
    socket = await new Promise<us_listen_socket>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('cannot listen')))),
    );
    port = listenPort(socket);
  });
  afterAll(() => closeListenSocket(socket));
  beforeEach(() => failures.splice(0));

  const get = async (path: string) => {
    // Connection: close, so no idle keep-alive socket outlives the test.
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
    return { status: res.status, body: await res.json() };
  };
  const internal = { error: { code: 'internal', message: 'internal error', retriable: true } };

  it('answers a handler that throws 500 with the JSON error body, and reports it', async () => {
    expect(await get('/throws')).toEqual({ status: 500, body: internal });
    expect(failures).toEqual([{ message: 'sync bug', where: 'GET /throws' }]);
  });

  it('answers a handler whose promise rejects 500 as well', async () => {
    expect(await get('/rejects')).toEqual({ status: 500, body: internal });
    expect(failures).toEqual([{ message: 'Maximum call stack size exceeded', where: 'GET /rejects' }]);
  });

  it('keeps the answer already given and only reports a throw after it', async () => {
    expect(await get('/answers-then-throws')).toEqual({ status: 200, body: { ok: true } });
    expect(failures).toEqual([{ message: 'late bug', where: expect.stringMatching(/^GET \/answers-then-throws \(already answered/) }]);
    expect(await get('/fine')).toEqual({ status: 200, body: { ok: true } });
  });

  it('closes a WebSocket whose message callback throws with 1011, and keeps serving', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send('boom');
    expect(await closed).toBe(1011);
    expect(failures).toEqual([{ message: 'frame bug', where: 'WebSocket /ws message' }]);
    expect((await get('/fine')).status).toBe(200);
  });

  it('logs failures with their stack, a few a minute at most', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('guard-spec', 'info', { write: (line: string) => lines.push(JSON.parse(line)) });
    const report = logHandlerFailures(logger, new LogThrottle(2, 60_000, () => 0));
    for (let i = 0; i < 50; i++) report(new Error(`bug ${i}`), 'GET /x');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'request handler failed', where: 'GET /x', err: { message: 'bug 0' } });
    expect((lines[0]!['err'] as { stack: string }).stack).toContain('bug 0');
  });
});
