import { waitFor } from '@pushwire/test-kit';
import { SignJWT } from 'jose';
import {
  describeExchange,
  exchange,
  isErrorBody,
  jsonOf,
  nestedJson,
  RawWebSocket,
  requestBytes,
  textFrame,
  upgradeRequest,
  type WsEnd,
} from '../../src';
import { jsonRequest, metricSum, rawPost } from '../harness/api';
import { track } from '../harness/cleanup';
import { devicePortOf, frameOf, rawDevice, sdkDevice } from '../harness/devices';
import type { Hostile } from '../harness/hostile-cluster';

/** The edge's default device frame rate (PUSHWIRE_DEVICE_FRAMES_PER_SECOND) and its burst (2×). */
const FRAMES_PER_SECOND = 50;
const FRAME_BURST = 2 * FRAMES_PER_SECOND;
/** The edge's default PUSHWIRE_MAX_BAD_FRAMES: the bad frame that many closes the connection 1008. */
const MAX_BAD_FRAMES = 10;

const isRateLimited = frameOf('error', { code: 'rate_limited' });

/**
 * Sends `text` and returns the reply matching `answer` (`pong` or `error <code>`), sending it again
 * while the reply is `rate_limited`: a frame refused for the rate is dropped, so it may be resent.
 */
async function sendUntilTaken(ws: RawWebSocket, text: string, answer: (m: unknown) => boolean): Promise<string> {
  const reply = await waitFor(
    async () => {
      ws.sendRaw(textFrame(text));
      const m = await ws.next((r) => answer(r) || isRateLimited(r), 3000, `an answer to ${text}`);
      return isRateLimited(m) ? undefined : (m as { type: string; code?: string });
    },
    { what: `${text} to be taken past the rate limit`, timeoutMs: 5000, intervalMs: 50 },
  );
  return reply.code === undefined ? reply.type : `${reply.type} ${reply.code}`;
}

const endOf = (end: WsEnd | string) =>
  typeof end === 'string' ? end : end.byFrame ? `close ${end.code}` : 'socket dropped without a close frame';
const within = (p: Promise<WsEnd>, ms: number, what: string) =>
  Promise.race([p, new Promise<string>((r) => setTimeout(() => r(`${what} after ${ms} ms`), ms).unref())]);

/** Items 8–10 of issue 12: rate limits, token sizes, and what a failure tells a client. */
export function limitItems(hostile: () => Hostile): void {
  // Design choice: a device that keeps sending past its rate limit is cut off with 1008 (policy),
  // after at most one burst's worth of `rate_limited` replies.
  it('item 8: a flood of 10,000 frames closes the connection with 1008 after a bounded number of rate_limited replies', async () => {
    const ws = await rawDevice(hostile(), hostile().cluster.edges[0]!, 'i8-a', 'i8-flood');
    const ping = textFrame('{"type":"ping"}');
    ws.sendRaw(Buffer.concat(Array.from({ length: 10_000 }, () => ping)));
    const end = endOf(await within(ws.ended, 5000, 'still open'));
    const rateLimited = ws.messages.filter(frameOf('error', { code: 'rate_limited' })).length;
    expect({ end, rateLimitedRepliesAtMostABurst: rateLimited <= FRAME_BURST || rateLimited }).toEqual({
      end: 'close 1008',
      rateLimitedRepliesAtMostABurst: true,
    });
  });

  // As decided (docs/security.md, "Limits and validation", Floods): frames dropped for the rate are
  // counted in pushwire_edge_dropped_frames_total (and, as its help says, in bad_frames_total too),
  // but never toward the bad-frame close, which is about malformed input. So after a burst with
  // frames dropped, a device may still send all but one of its PUSHWIRE_MAX_BAD_FRAMES bad frames.
  it('item 8: frames refused for the rate limit do not count toward the bad-frame close', async () => {
    const h = hostile();
    const edge = h.cluster.edges[1]!;
    const dropped = async () => metricSum(await (await fetch(`${edge.internalUrl}/metrics`)).text(), 'pushwire_edge_dropped_frames_total');
    const ws = await rawDevice(h, edge, 'i8-a', 'i8-over');
    const before = await dropped();
    // A burst and a little more, all well-formed: some are refused for the rate. Every frame gets a
    // reply (pong or rate_limited), so counting replies tells when all were handled.
    const sent = FRAME_BURST + 30;
    ws.sendRaw(Buffer.concat(Array.from({ length: sent }, (_, i) => textFrame(`{"type":"ping","t":${i}}`))));
    let refused = 0;
    for (let i = 0; i < sent; i++) {
      const reply = await ws.next((m) => frameOf('pong')(m) || frameOf('error')(m), 3000, `reply ${i + 1} of ${sent}`);
      if (isRateLimited(reply)) refused++;
    }
    const droppedCounted = (await dropped()) - before;
    // Then MAX_BAD_FRAMES - 1 bad frames, each sent again until the refilling bucket takes it (a
    // frame refused for the rate is only dropped), and a ping: all answered, the connection open.
    const answers: string[] = [];
    for (let i = 0; i < MAX_BAD_FRAMES - 1; i++) answers.push(await sendUntilTaken(ws, '{"type":"no-such-frame"}', frameOf('error')));
    answers.push(await sendUntilTaken(ws, '{"type":"ping","t":-1}', frameOf('pong', { t: -1 })));
    expect({ refused: refused > 0, droppedCounted: droppedCounted === refused || droppedCounted, answers, open: !ws.isEnded }).toEqual({
      refused: true,
      droppedCounted: true,
      answers: [...Array<string>(MAX_BAD_FRAMES - 1).fill('error unknown_type'), 'pong'],
      open: true,
    });
  });

  it('item 8: POST /v1/frames answers 429 rate_limited for frames it drops over the rate limit', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    await sdkDevice(h, edge, 'i8-a', 'i8-sse', { transport: 'sse' });
    const token = await h.token('i8-a', 'i8-sse');
    const statuses: Record<string, number> = {};
    // Twice the burst, 25 at a time: well past what the rate admits while they are sent.
    for (let i = 0; i < 2 * FRAME_BURST; i += 25) {
      const answers = await Promise.all(
        Array.from({ length: 25 }, (_, j) => jsonRequest(`${edge.deviceUrl}/v1/frames`, 'POST', token, { type: 'ping', t: i + j })),
      );
      for (const a of answers) {
        const key = `${a.status} ${isErrorBody(a.body) ? a.body.error.code : 'ok'}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }
    expect(statuses).toEqual({ '202 ok': expect.any(Number), '429 rate_limited': expect.any(Number) });
  });

  it('item 9: a 100 KB token is refused via ?token= and the Authorization header, as an oversized auth frame is', async () => {
    const h = hostile();
    const port = devicePortOf(h.cluster.edges[0]!);
    // 75,000 characters of claim make a token of about 100 KB once base64url-encoded, as in the issue
    // (a head past uWS's ~128 KB buffer never reaches a handler: the socket is reset).
    const big = await new SignJWT({ device_id: 'i9-big', device_type: 'tv', pad: 'x'.repeat(75_000) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('i9-a')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(h.cluster.jwtSecret));
    const attempt = async (target: string, headers: [string, string][] = []) =>
      describeExchange(await exchange(port, [requestBytes(upgradeRequest(port, target, headers))], { deadlineMs: 5000 }));
    // A 100 KB head arrives over many reads; now and then (seen on loaded machines, for the header
    // and for the request line alike) uWS resets such a head instead of handing it to the edge — a
    // refusal all the same: no socket, no JWT work, nothing logged. Otherwise the edge's own length
    // check answers with the JSON error body; never a 101, never a 5xx.
    const refusedOrReset = expect.stringMatching(/^((401|413|414|431) json-error|reset)$/);
    expect(big.length).toBeGreaterThan(99_000);
    expect({
      query: await attempt(`/v1/connect?token=${big}`),
      header: await attempt('/v1/connect', [['Authorization', `Bearer ${big}`]]),
    }).toEqual({
      query: refusedOrReset,
      header: refusedOrReset,
    });
  });

  it('item 9: an oversized auth frame closes 4003 at once, not after the no-auth TTL', async () => {
    const ws = track(await RawWebSocket.open(devicePortOf(hostile().cluster.edges[0]!), '/v1/connect?auth=frame'));
    ws.sendText({ type: 'auth', token: 'x'.repeat(9000) });
    expect(endOf(await within(ws.ended, 2000, 'still open'))).toBe('close 4003');
  });

  it("item 9: 401 answers do not tell an unauthenticated client the JWT library's reasons", async () => {
    const h = hostile();
    const url = `${h.cluster.edges[0]!.deviceUrl}/v1/events`;
    const header = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${header({ alg: 'none' })}.${header({ sub: 'i9-a', device_id: 'i9-x', device_type: 'tv', exp: 9_999_999_999 })}.`;
    const wrongSecret = await new SignJWT({ device_id: 'i9-x', device_type: 'tv' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('i9-a')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-of-enough-length'));
    const messageFor = async (token: string) => {
      const r = await jsonRequest(url, 'GET', token);
      return isErrorBody(r.body) ? `${r.status} ${r.body.error.message}` : `${r.status} (no error body)`;
    };
    const messages = new Set([
      await messageFor(unsigned),
      await messageFor(wrongSecret),
      await messageFor('not.a.jwt'),
      await messageFor('garbage'),
    ]);
    // One message for every invalid token: which check failed is for the server's log, not the client.
    expect([...messages]).toHaveLength(1);
  });

  it('item 9: the lowercase bearer scheme is accepted', async () => {
    const h = hostile();
    const token = await h.token('i9-a', 'i9-lower');
    const opened = await RawWebSocket.open(devicePortOf(h.cluster.edges[0]!), '/v1/connect', [['Authorization', `bearer ${token}`]]).then(
      (ws) =>
        track(ws)
          .next(frameOf('welcome'), 5000, 'welcome')
          .then(() => 'welcomed'),
      (e: Error) => e.message,
    );
    expect(opened).toBe('welcomed');
  });

  it('item 10: enqueueing a payload nested 5,000 deep answers 400, not a retriable 503', async () => {
    const h = hostile();
    const port = Number(new URL(h.cluster.processorUrl).port);
    const body = `{"target":{"accountId":"i10-a","deviceId":"i10-tv"},"message":{"id":"i10-m","payload":${nestedJson(5000, 'array')}}}`;
    const result = await rawPost(port, '/v1/push-requests', h.cluster.serviceToken, body);
    const error = result.answer && jsonOf(result.answer);
    expect({
      answer: describeExchange(result),
      retriable: isErrorBody(error) ? error.error.retriable : 'no error body',
      retryAfter: result.answer?.headers['retry-after'] ?? 'none',
    }).toEqual({ answer: '400 json-error', retriable: false, retryAfter: 'none' });
  });
}
