import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenKind } from './page/harness';

/** Issues the tokens the page's token function asks for (the test's stand-in for an app's backend). */
export type TokenIssuer = (req: { accountId: string; deviceId: string; deviceType: string; kind: TokenKind }) => Promise<string>;

/** The page server: its origin and how to stop it. */
export interface TestPage {
  /** http://127.0.0.1:<port>/ — the page. */
  url: string;
  /** The Content-Security-Policy the page is served with. */
  csp: string;
  close(): Promise<void>;
}

/**
 * Runs before the SDK (a script of its own: the CSP refuses inline scripts): records every CSP
 * violation and every uncaught error of the page, so the test can say why the SDK failed to load.
 */
const RECORDER = `window.__cspViolations = [];
window.__pageErrors = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample || '' });
});
window.addEventListener('error', function (e) { window.__pageErrors.push(String(e.message)); });
`;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Pushwire device SDK</title>
<script src="/recorder.js"></script>
<script src="/sdk.js"></script>
</head><body>Pushwire device SDK under a strict Content-Security-Policy</body></html>
`;

/**
 * The policy of a site that forbids eval: scripts only from the page's origin (no 'unsafe-eval',
 * no 'unsafe-inline'), and connections only to itself and the edge (http:// for SSE and the
 * frames POST, ws:// for the WebSocket).
 */
export function strictCsp(edgeOrigin: string): string {
  const { host } = new URL(edgeOrigin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    `connect-src 'self' http://${host} ws://${host}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const KINDS: readonly TokenKind[] = ['valid', 'bad-signature', 'expired'];

/**
 * Serves the test page on 127.0.0.1 (a port the OS picks) with a strict CSP, the SDK bundle as
 * /sdk.js, and /token from `issue`. Anything else is 404.
 */
export async function startTestPage(opts: { sdk: string; edgeOrigin: string; issue: TokenIssuer }): Promise<TestPage> {
  const csp = strictCsp(opts.edgeOrigin);
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': csp, 'cache-control': 'no-store' });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://page');
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE);
    if (url.pathname === '/recorder.js') return send(res, 200, 'text/javascript', RECORDER);
    if (url.pathname === '/sdk.js') return send(res, 200, 'text/javascript', opts.sdk);
    if (url.pathname === '/token') {
      const q = url.searchParams;
      const kind = q.get('kind') as TokenKind;
      const accountId = q.get('account');
      const deviceId = q.get('device');
      if (!accountId || !deviceId || !KINDS.includes(kind)) return send(res, 400, 'text/plain', 'account, device and kind are required');
      return send(res, 200, 'text/plain', await opts.issue({ accountId, deviceId, deviceType: q.get('type') || 'browser', kind }));
    }
    return send(res, 404, 'text/plain', 'not found');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, 'text/plain', String(err)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    csp,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
