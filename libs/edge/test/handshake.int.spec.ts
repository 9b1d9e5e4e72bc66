import { startTestEdge, type TestEdge } from '../src/testing';
import { clientFrame, handshakeRequest, RawSocket, serverFrames, type RawAnswer } from './raw-http';
import { waitFor } from '@pushwire/test-kit';

/**
 * WebSocket handshakes over raw sockets: uWS upgrades whatever the `upgrade` handler accepts, so
 * the edge checks version, Upgrade, Connection and key itself, before any auth work, and answers
 * with the catalogue's JSON body.
 */
describe('edge: WebSocket handshakes', () => {
  let t: TestEdge;
  let port: number;
  beforeAll(async () => {
    t = await startTestEdge();
    port = Number(new URL(t.deviceUrl).port);
  });
  afterAll(() => t.stop());

  async function exchange(request: string): Promise<{ answer: RawAnswer; socket: RawSocket }> {
    const socket = await RawSocket.open(port);
    await socket.write(request);
    return { answer: await socket.answer(), socket };
  }

  /** The answer to a handshake with a valid token for `deviceId`, changed by `opts`. */
  async function handshake(deviceId: string, opts: Parameters<typeof handshakeRequest>[1] = {}): Promise<RawAnswer> {
    const { answer, socket } = await exchange(handshakeRequest(`/v1/connect?token=${await t.token('hs', deviceId)}`, opts));
    socket.destroy();
    return answer;
  }

  const errorOf = (answer: RawAnswer) => {
    expect(answer.headers['content-type']).toBe('application/json');
    return (JSON.parse(answer.body.toString()) as { error: { code: string; message: string } }).error;
  };

  it('upgrades a handshake RFC 6455 allows, Connection listing more than upgrade included', async () => {
    expect((await handshake('ok')).status).toBe(101);
    expect((await handshake('ok-list', { set: { connection: 'keep-alive, Upgrade', upgrade: 'WebSocket' } })).status).toBe(101);
  });

  it.each([
    ['8', { set: { 'sec-websocket-version': '8' } }],
    ['99', { set: { 'sec-websocket-version': '99' } }],
    ['missing', { omit: ['sec-websocket-version'] }],
  ])('answers Sec-WebSocket-Version %s with 426 and Sec-WebSocket-Version: 13', async (_what, opts) => {
    const answer = await handshake('version', opts);
    expect([answer.status, answer.headers['sec-websocket-version']]).toEqual([426, '13']);
    expect(errorOf(answer).code).toBe('unsupported_websocket_version');
  });

  it.each([
    ['no Upgrade header', { omit: ['upgrade'] }, /Upgrade: websocket/],
    ['Upgrade: h2c', { set: { upgrade: 'h2c' } }, /Upgrade: websocket/],
    ['no Connection header', { omit: ['connection'] }, /Connection: Upgrade/],
    ['Connection: keep-alive', { set: { connection: 'keep-alive' } }, /Connection: Upgrade/],
    ['a 24-character key that is not base64', { set: { 'sec-websocket-key': `${'!'.repeat(22)}==` } }, /Sec-WebSocket-Key/],
    ['a 24-character base64 key of 18 bytes', { set: { 'sec-websocket-key': 'A'.repeat(24) } }, /Sec-WebSocket-Key/],
    ['no key (uWS does not call upgrade)', { omit: ['sec-websocket-key'] }, /Sec-WebSocket-Key/],
    ['a key of 4 bytes (uWS does not call upgrade)', { set: { 'sec-websocket-key': 'dGVzdA==' } }, /Sec-WebSocket-Key/],
    ['POST (uWS does not call upgrade)', { method: 'POST' }, /GET/],
  ])('answers %s with 400 invalid_handshake', async (_what, opts, message) => {
    const answer = await handshake('bad', opts);
    expect(answer.status).toBe(400);
    const error = errorOf(answer);
    expect(error.code).toBe('invalid_handshake');
    expect(error.message).toMatch(message);
  });

  it('checks the handshake before the token: a bad handshake without a token is 426/400, not 401', async () => {
    const noToken = (opts: Parameters<typeof handshakeRequest>[1]) =>
      exchange(handshakeRequest('/v1/connect', opts)).then(({ answer, socket }) => (socket.destroy(), answer.status));
    expect(await noToken({ set: { 'sec-websocket-version': '8' } })).toBe(426);
    expect(await noToken({ omit: ['upgrade'] })).toBe(400);
    expect(await noToken({})).toBe(401);
  });

  it('closes on a text frame that is not UTF-8 without a close frame (uWS: 1006 before the edge sees it; RFC 6455 asks 1007)', async () => {
    const { answer, socket } = await exchange(handshakeRequest(`/v1/connect?token=${await t.token('hs', 'utf8')}`));
    expect(answer.status).toBe(101);
    await socket.until(() => socket.textFrames().find((f) => f.includes('"welcome"')), 5000, 'the welcome');
    // Valid text still works on the same socket.
    await socket.write(clientFrame(1, Buffer.from('{"type":"ping","t":1}')));
    await socket.until(() => socket.textFrames().find((f) => f.includes('"pong"')), 5000, 'the pong');

    await socket.write(clientFrame(1, Buffer.from([0xc3, 0x28])));
    const { bytes } = await socket.closed;
    const head = bytes.indexOf('\r\n\r\n') + 4;
    expect(serverFrames(bytes.subarray(head)).map((f) => f.opcode)).not.toContain(8);
    await waitFor(() => t.edge.connectionOf('hs', 'utf8') === undefined, { timeoutMs: 5000, what: 'the connection to be gone' });
  });
});
