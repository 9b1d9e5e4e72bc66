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

/** Parser problems are answered at once: well within the ~10 s after which the edge drops such sockets today. */
const PARSER_BOUND_MS = 2000;
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

  it('item 6: an HTTP/1.0 health check is answered 200', async () => {
    const port = internalPortOf(hostile().cluster.edges[0]!);
    const result = await send(port, { ...plainRequest(port, 'GET', '/healthz'), version: 'HTTP/1.0' });
    expect(describeExchange(result)).toBe('200 json');
  });

  it('item 6: requests with many headers, a header without a colon or with a NUL byte get a JSON answer at once', async () => {
    const port = internalPortOf(hostile().cluster.edges[0]!);
    const health = (headers: [string, string][], raw?: string[]) => ({
      ...plainRequest(port, 'GET', '/healthz', headers),
      ...(raw ? { rawHeaderLines: raw } : {}),
    });
    const bounded = { deadlineMs: PARSER_BOUND_MS };
    const outcomes = {
      fiftyHeaders: describeExchange(await send(port, health(filler(50)), bounded)),
      fiveHundredHeaders: describeExchange(await send(port, health(filler(500)), bounded)),
      headerWithoutColon: describeExchange(await send(port, health([], ['X-No-Colon']), bounded)),
      headerWithNul: describeExchange(await send(port, health([['X-Nul', 'a\u0000b']]), bounded)),
    };
    expect(outcomes).toEqual({
      fiftyHeaders: '200 json',
      fiveHundredHeaders: expect.stringMatching(/^(200 json|431 json-error)$/),
      headerWithoutColon: '400 json-error',
      headerWithNul: '400 json-error',
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

  it('item 7: a text frame that is not UTF-8 closes the connection with 1007', async () => {
    const ws = await rawDevice(hostile(), hostile().cluster.edges[0]!, 'i7-a', 'i7-utf8');
    ws.sendRaw(encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }));
    const end = await Promise.race([ws.ended, new Promise<string>((r) => setTimeout(() => r('still open after 3 s'), 3000).unref())]);
    expect(typeof end === 'string' ? end : end.byFrame ? `close ${end.code}` : 'socket dropped without a close frame (1006)').toBe(
      'close 1007',
    );
  });

  it('item 7: parser errors are answered with the JSON error body, not an HTML page', async () => {
    const edge = hostile().cluster.edges[0]!;
    const device = devicePortOf(edge);
    const outcomes = {
      notHttp: describeExchange(await exchange(device, ['NOT-HTTP\r\n\r\n'], { deadlineMs: PARSER_BOUND_MS })),
      http2Version: describeExchange(
        await send(device, { ...plainRequest(device, 'GET', '/v1/events'), version: 'HTTP/2.0' }, { deadlineMs: PARSER_BOUND_MS }),
      ),
      badContentLength: describeExchange(
        await send(internalPortOf(edge), plainRequest(internalPortOf(edge), 'POST', '/v1/deliver', [['Content-Length', 'abc']]), {
          deadlineMs: PARSER_BOUND_MS,
        }),
      ),
    };
    const refused = expect.stringMatching(/^(400|505) json-error$/);
    expect(outcomes).toEqual({ notHttp: refused, http2Version: refused, badContentLength: '400 json-error' });
  });
}
