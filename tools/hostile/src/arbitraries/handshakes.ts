import fc from 'fast-check';
import { requestBytes, splitAt, upgradeRequest, type RequestParts } from '../wire/handshake';
import { labelled } from './labelled';

/**
 * What a careful server does with a handshake: `upgrade` (101) a valid one, `refuse` one that breaks
 * RFC 6455 or our auth (no 101), or `either` where both are defensible (a 64 KiB header may be 431).
 */
export type Expectation = 'upgrade' | 'refuse' | 'either';

/** A WebSocket handshake to send over a raw socket, in segments, with what should come of it. */
export interface HostileHandshake {
  readonly label: string;
  readonly segments: readonly Buffer[];
  readonly expect: Expectation;
  /**
   * It has a part the edge's uWS parser refuses before any Pushwire code runs (a version other than
   * HTTP/1.1, a broken method, the target `*`, a header line without a colon, a NUL or a space in a
   * header, obs-fold, no Host, 49 or more header lines), which this build answers with silence and drops after ≈ 12 s
   * (docs/security.md, "HTTP parsing"): no answer within the bound is then the documented outcome.
   */
  readonly parserRefuses: boolean;
}

/** Where handshakes go and the credentials they may carry. */
export interface HandshakeTarget {
  readonly port: number;
  /** Path of the WebSocket endpoint, e.g. /v1/connect. */
  readonly path: string;
  readonly validToken: string;
  readonly expiredToken: string;
}

interface Mutation {
  readonly label: string;
  readonly expect: Expectation;
  /** The uWS parser refuses it (see HostileHandshake.parserRefuses). */
  readonly parserRefuses?: boolean;
  apply(parts: RequestParts): RequestParts;
}

const keep: Mutation = { label: '', expect: 'upgrade', apply: (p) => p };
const mutation = (label: string, expect: Expectation, apply: (p: RequestParts) => RequestParts): Mutation => ({ label, expect, apply });
/** A mutation the uWS parser refuses before any handler: the documented answer is none. */
const parserRefused = (m: Mutation): Mutation => ({ ...m, parserRefuses: true });

const setHeader = (name: string, value: string | undefined) => (p: RequestParts) => ({
  ...p,
  headers:
    value === undefined
      ? p.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase())
      : p.headers.map(([n, v]) => (n.toLowerCase() === name.toLowerCase() ? ([n, value] as const) : ([n, v] as const))),
});
const addHeaders =
  (...headers: (readonly [string, string])[]) =>
  (p: RequestParts) => ({ ...p, headers: [...p.headers, ...headers] });
const addRawLines =
  (...lines: string[]) =>
  (p: RequestParts) => ({ ...p, rawHeaderLines: [...(p.rawHeaderLines ?? []), ...lines] });
const withQuery = (p: RequestParts, query: string) => ({ ...p, target: `${p.target}${p.target.includes('?') ? '&' : '?'}${query}` });

function authMutations(t: HandshakeTarget): Mutation[] {
  return [
    mutation('Bearer token', 'upgrade', addHeaders(['Authorization', `Bearer ${t.validToken}`])),
    mutation('?token=', 'upgrade', (p) => withQuery(p, `token=${t.validToken}`)),
    mutation('lowercase bearer scheme', 'upgrade', addHeaders(['Authorization', `bearer ${t.validToken}`])),
    mutation('no token', 'refuse', (p) => p),
    mutation('garbage token', 'refuse', addHeaders(['Authorization', 'Bearer not.a.jwt'])),
    mutation('expired token', 'refuse', addHeaders(['Authorization', `Bearer ${t.expiredToken}`])),
    mutation('Basic credentials', 'refuse', addHeaders(['Authorization', 'Basic dXNlcjpwYXNz'])),
  ];
}

const methodMutations: Mutation[] = [
  keep,
  ...['POST', 'HEAD', 'get', 'PUT'].map((m) => mutation(`method ${JSON.stringify(m)}`, 'refuse', (p) => ({ ...p, method: m }))),
  ...['G\u0000T', 'GET GET'].map((m) => parserRefused(mutation(`method ${JSON.stringify(m)}`, 'refuse', (p) => ({ ...p, method: m })))),
];

const versionMutations: Mutation[] = [
  keep,
  ...['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/1', 'HTTP/9.9', 'http/1.1'].map((v) =>
    parserRefused(mutation(`version ${v}`, 'refuse', (p) => ({ ...p, version: v }))),
  ),
];

const wsVersionMutations: Mutation[] = [
  keep,
  ...['8', '99', '', '13, 8'].map((v) =>
    mutation(`Sec-WebSocket-Version ${JSON.stringify(v)}`, 'refuse', setHeader('Sec-WebSocket-Version', v)),
  ),
  mutation('no Sec-WebSocket-Version', 'refuse', setHeader('Sec-WebSocket-Version', undefined)),
];

const keyMutations: Mutation[] = [
  keep,
  mutation('no Sec-WebSocket-Key', 'refuse', setHeader('Sec-WebSocket-Key', undefined)),
  ...['not base64!!', '', 'AAAAAAAAAAAAAAAAAAAA', Buffer.alloc(15).toString('base64'), Buffer.alloc(17).toString('base64')].map((k) =>
    mutation(`Sec-WebSocket-Key ${JSON.stringify(k)}`, 'refuse', setHeader('Sec-WebSocket-Key', k)),
  ),
];

const upgradeMutations: Mutation[] = [
  keep,
  mutation('Upgrade: WebSocket', 'upgrade', setHeader('Upgrade', 'WebSocket')),
  mutation('Connection: keep-alive, Upgrade', 'upgrade', setHeader('Connection', 'keep-alive, Upgrade')),
  mutation('no Upgrade header', 'refuse', setHeader('Upgrade', undefined)),
  mutation('Upgrade: h2c', 'refuse', setHeader('Upgrade', 'h2c')),
  mutation('no Connection header', 'refuse', setHeader('Connection', undefined)),
  mutation('Connection: keep-alive', 'refuse', setHeader('Connection', 'keep-alive')),
];

const filler = (n: number): (readonly [string, string])[] => Array.from({ length: n }, (_, i) => [`X-Filler-${i}`, `v${i}`] as const);

const headerMutations: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant(keep), weight: 4 },
  // From 49 header lines in all (the handshake has 5 or 6 of its own) the parser refuses the head.
  fc
    .integer({ min: 10, max: 600 })
    .map((n) => ({ ...mutation(`${n} extra headers`, 'either', addHeaders(...filler(n))), parserRefuses: n >= 42 })),
  fc.constantFrom(8 * 1024, 64 * 1024).map((n) => mutation(`a ${n}-byte header value`, 'either', addHeaders(['X-Long', 'v'.repeat(n)]))),
  fc.constant(parserRefused(mutation('a header value with NUL', 'refuse', addHeaders(['X-Nul', 'a\u0000b'])))),
  fc.constant(parserRefused(mutation('a header line without a colon', 'refuse', addRawLines('X-No-Colon-Here')))),
  fc.constant(parserRefused(mutation('a header name with a space', 'refuse', addHeaders(['X Bad', 'v'])))),
  fc.constant(parserRefused(mutation('an obs-fold continuation line', 'refuse', addRawLines('X-Fold: a', ' folded')))),
  fc.constant(mutation('header bytes 0x80-0xff', 'either', addHeaders(['X-High', '\u00ff\u00fe\u0080']))),
  fc.constant(parserRefused(mutation('no Host header', 'either', setHeader('Host', undefined)))),
);

const targetMutations: Mutation[] = [
  keep,
  mutation('path /v1/connect/', 'either', (p) => ({ ...p, target: p.target.replace('/v1/connect', '/v1/connect/') })),
  mutation('path /v1//connect', 'either', (p) => ({ ...p, target: p.target.replace('/v1/connect', '/v1//connect') })),
  mutation('path /nope', 'refuse', (p) => ({ ...p, target: p.target.replace('/v1/connect', '/nope') })),
  parserRefused(mutation('path *', 'refuse', (p) => ({ ...p, target: '*' }))),
  mutation('a 10 KB query', 'either', (p) => withQuery(p, `x=${'a'.repeat(10_000)}`)),
];

const combine = (ms: Mutation[]): Expectation =>
  ms.some((m) => m.expect === 'refuse') ? 'refuse' : ms.some((m) => m.expect === 'either') ? 'either' : 'upgrade';

/**
 * Handshakes with any combination of broken method, version, WebSocket headers, credentials,
 * header counts and bytes, and targets, split into up to four TCP segments (cuts anywhere,
 * request line included).
 */
export function hostileHandshake(t: HandshakeTarget): fc.Arbitrary<HostileHandshake> {
  return fc
    .tuple(
      fc.constantFrom(...authMutations(t)),
      fc.constantFrom(...methodMutations),
      fc.constantFrom(...versionMutations),
      fc.constantFrom(...wsVersionMutations),
      fc.constantFrom(...keyMutations),
      fc.constantFrom(...upgradeMutations),
      headerMutations,
      fc.constantFrom(...targetMutations),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    )
    .map(([auth, ...rest]) => {
      const cutsAt = rest.pop() as number[];
      const ms = [auth, ...(rest as Mutation[])];
      const parts = ms.reduce((p, m) => m.apply(p), upgradeRequest(t.port, t.path));
      const bytes = requestBytes(parts);
      const segments = splitAt(
        bytes,
        cutsAt.map((f) => Math.floor(f * bytes.length)),
      );
      const labels = ms.map((m) => m.label).filter(Boolean);
      if (segments.length > 1)
        labels.push(
          `${segments.length} segments (cuts ${segments
            .slice(0, -1)
            .map((s) => s.length)
            .join(', ')})`,
        );
      return labelled({
        label: labels.join('; ') || 'valid',
        segments,
        expect: combine(ms),
        parserRefuses: ms.some((m) => m.parserRefuses === true),
      });
    });
}
