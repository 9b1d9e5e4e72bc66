import { freePorts } from '@pushwire/infra';
import {
  describeExchange,
  encodeClientFrame,
  exchange,
  Opcode,
  plainRequest,
  requestBytes,
  splitAt,
  upgradeRequest,
  type RequestParts,
} from '../../src';
import { ANSWER_BOUND_MS } from '../harness/api';
import { devicePortOf, internalPortOf, rawDevice } from '../harness/devices';
import type { Hostile } from '../harness/hostile-cluster';
import { edgeStillServes, STILL_SERVES } from '../harness/invariants';
import { startLoneEdge } from '../harness/lone-edge';

/** Parser problems are answered at once or not at all: this build drops unanswered sockets after ≈ 12 s. */
const PARSER_BOUND_MS = 2000;

/**
 * What the uWS build gives a request its parser refuses (docs/security.md, "HTTP parsing"): no
 * answer within the bound (the socket is closed after ≈ 12 s) or the socket closed; a later build
 * that answers with our JSON 400 or 431 would pass too. Never an HTML page, never a success.
 */
const UNANSWERED_OR_JSON_400 = expect.stringMatching(/^(silent|closed|(400|431) json-error)$/);
/** Pause between the two halves of a split request: the split is the input under test. */
const SEGMENT_GAP_MS = 50;

/** Sends `parts` in one piece, or cut at `cutAt`, and summarises the answer. */
async function send(port: number, parts: RequestParts, opts: { cutAt?: number; headersOnly?: boolean; deadlineMs?: number } = {}) {
  const bytes = requestBytes(parts);
  const segments = opts.cutAt === undefined ? [bytes] : splitAt(bytes, [opts.cutAt]);
  return exchange(port, segments, { deadlineMs: opts.deadlineMs ?? ANSWER_BOUND_MS, gapMs: SEGMENT_GAP_MS, headersOnly: opts.headersOnly });
}

const filler = (n: number): [string, string][] => Array.from({ length: n }, (_, i) => [`X-Header-${i}`, `value-${i}`]);

/** Items 5–7 of issue 12: HTTP and WebSocket parsing on the edge's ports, over raw sockets. */
export function parsingItems(hostile: () => Hostile): void {
  it('item 5: a request line split over two TCP segments is answered as if it came whole (WebSocket, SSE, internal port)', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    const device = devicePortOf(edge);
    const token = await h.token('i5-a', 'i5-tv');
    // Cut inside the URL, where real networks and TLS terminators split long request lines.
    const ws = await send(device, upgradeRequest(device, `/v1/connect?token=${token}`), { cutAt: 20 });
    const sse = await send(device, plainRequest(device, 'GET', `/v1/events?token=${await h.token('i5-a', 'i5-sse')}`), {
      cutAt: 20,
      headersOnly: true,
    });
    const health = await send(internalPortOf(edge), plainRequest(internalPortOf(edge), 'GET', '/healthz'), { cutAt: 6 });
    expect({ webSocket: describeExchange(ws), sse: describeExchange(sse), internal: describeExchange(health) }).toEqual({
      webSocket: '101',
      sse: '200 event-stream',
      internal: '200 json',
    });
  });

  // As decided (docs/security.md, "HTTP parsing", "What the edge cannot do"): the uWS build does not
  // answer HTTP/1.0 on its ports at all (it drops the socket after ≈ 12 s), so HTTP/1.0 checkers use
  // the plain-HTTP health port PUSHWIRE_EDGE_HEALTH_PORT, which answers it. An edge of its own has one.
  it('item 6: an HTTP/1.0 health check is answered 200 on the health port; the uWS port leaves it unanswered and keeps serving', async () => {
    const h = hostile();
    const [healthPort] = (await freePorts(1)) as [number];
    const lone = await startLoneEdge(h, 'edge-i6', { PUSHWIRE_EDGE_HEALTH_PORT: String(healthPort) });
    try {
      const http10 = (port: number) =>
        send(port, { ...plainRequest(port, 'GET', '/healthz'), version: 'HTTP/1.0' }, { deadlineMs: PARSER_BOUND_MS });
      const edge = h.cluster.edges[0]!;
      expect({
        healthPort: describeExchange(await http10(healthPort)),
        uwsPort: describeExchange(await http10(internalPortOf(edge))),
        ...(await edgeStillServes(h, edge)),
      }).toEqual({ healthPort: '200 json', uwsPort: UNANSWERED_OR_JSON_400, ...STILL_SERVES });
    } finally {
      await lone.stop();
    }
  });

  // docs/security.md, "HTTP parsing": 49 or more header lines, a header line without a colon or with
  // a NUL byte get no answer from this uWS build (the socket is closed after ≈ 12 s; 500 lines at
  // once). The app cannot answer them; what must hold is that none gets anything but silence, a
  // close or our JSON error (never HTML, never a success), and that the edge keeps serving others.
  it('item 6: requests with many headers, a header without a colon or with a NUL byte get no foreign answer, and the edge keeps serving', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    const port = internalPortOf(edge);
    const health = (headers: [string, string][], raw?: string[]) => ({
      ...plainRequest(port, 'GET', '/healthz', headers),
      ...(raw ? { rawHeaderLines: raw } : {}),
    });
    const bounded = { deadlineMs: PARSER_BOUND_MS };
    const outcomes = await Promise.all([
      send(port, health(filler(20)), bounded),
      send(port, health(filler(50)), bounded),
      send(port, health(filler(500)), bounded),
      send(port, health([], ['X-No-Colon']), bounded),
      send(port, health([['X-Nul', 'a\u0000b']]), bounded),
    ]);
    const [twentyHeaders, fiftyHeaders, fiveHundredHeaders, headerWithoutColon, headerWithNul] = outcomes.map(describeExchange);
    expect({
      twentyHeaders,
      fiftyHeaders,
      fiveHundredHeaders,
      headerWithoutColon,
      headerWithNul,
      ...(await edgeStillServes(h, edge)),
    }).toEqual({
      // The control: a request under the parser's header limit is answered.
      twentyHeaders: '200 json',
      fiftyHeaders: UNANSWERED_OR_JSON_400,
      fiveHundredHeaders: UNANSWERED_OR_JSON_400,
      headerWithoutColon: UNANSWERED_OR_JSON_400,
      headerWithNul: UNANSWERED_OR_JSON_400,
      ...STILL_SERVES,
    });
  });

  it('item 7: handshakes with a wrong or missing version, no Upgrade, or a bad or missing key are refused with a JSON error', async () => {
    const h = hostile();
    const port = devicePortOf(h.cluster.edges[0]!);
    const token = await h.token('i7-a', 'i7-tv');
    const valid = () => upgradeRequest(port, `/v1/connect?token=${token}`);
    const without = (name: string) => ({ ...valid(), headers: valid().headers.filter(([n]) => n !== name) });
    const withValue = (name: string, value: string) => ({
      ...valid(),
      headers: valid().headers.map(([n, v]) => [n, n === name ? value : v] as const),
    });
    const outcome = async (parts: RequestParts) => describeExchange(await send(port, parts));
    const outcomes = {
      version8: await outcome(withValue('Sec-WebSocket-Version', '8')),
      version99: await outcome(withValue('Sec-WebSocket-Version', '99')),
      noVersion: await outcome(without('Sec-WebSocket-Version')),
      noUpgrade: await outcome(without('Upgrade')),
      nonBase64Key: await outcome(withValue('Sec-WebSocket-Key', 'this is not base64!!')),
      noKey: await outcome(without('Sec-WebSocket-Key')),
    };
    // RFC 6455 §4.2.2: a version the server does not speak is 426 with Sec-WebSocket-Version: 13; other bad handshakes 400.
    const refused = expect.stringMatching(/^(400|426) json-error$/);
    expect(outcomes).toEqual({
      version8: refused,
      version99: refused,
      noVersion: refused,
      noUpgrade: refused,
      nonBase64Key: '400 json-error',
      noKey: '400 json-error',
    });
  });

  // docs/security.md, "HTTP parsing" ("No 1007 for invalid UTF-8"): uWS validates text frames in C++
  // and drops the connection without a close frame (1006) before any handler runs. What must hold:
  // the connection ends at once, and the edge keeps serving others.
  it('item 7: a text frame that is not UTF-8 ends the connection (dropped, 1006, as documented) and the edge keeps serving', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    const ws = await rawDevice(h, edge, 'i7-a', 'i7-utf8');
    ws.sendRaw(encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }));
    const end = await Promise.race([ws.ended, new Promise<string>((r) => setTimeout(() => r('still open after 3 s'), 3000).unref())]);
    expect({
      end: typeof end === 'string' ? end : end.byFrame ? `close ${end.code}` : 'dropped without a close frame (1006)',
      ...(await edgeStillServes(h, edge)),
    }).toEqual({ end: expect.stringMatching(/^(close 1007|dropped without a close frame \(1006\))$/), ...STILL_SERVES });
  });

  // docs/security.md, "HTTP parsing" ("Parser error pages", "Malformed heads get silence"): this
  // uWS build writes no HTML error page; what its parser refuses (not HTTP at all, a version other
  // than HTTP/1.1, a Content-Length that is not a number) gets silence or a closed socket, never a
  // page and never a success, and the edge keeps serving others.
  it('item 7: parser errors get no HTML page (silence or a close, as documented) and the edge keeps serving', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    const device = devicePortOf(edge);
    const [notHttp, http2Version, badContentLength] = (
      await Promise.all([
        exchange(device, ['NOT-HTTP\r\n\r\n'], { deadlineMs: PARSER_BOUND_MS }),
        send(device, { ...plainRequest(device, 'GET', '/v1/events'), version: 'HTTP/2.0' }, { deadlineMs: PARSER_BOUND_MS }),
        send(internalPortOf(edge), plainRequest(internalPortOf(edge), 'POST', '/v1/deliver', [['Content-Length', 'abc']]), {
          deadlineMs: PARSER_BOUND_MS,
        }),
      ])
    ).map(describeExchange);
    expect({ notHttp, http2Version, badContentLength, ...(await edgeStillServes(h, edge)) }).toEqual({
      notHttp: UNANSWERED_OR_JSON_400,
      http2Version: UNANSWERED_OR_JSON_400,
      badContentLength: UNANSWERED_OR_JSON_400,
      ...STILL_SERVES,
    });
  });
}
