import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody, readinessAnswer } from '@pushwire/service-kit';
import type { EdgeReadiness } from './edge-readiness';

/** A health answer: HTTP status and JSON body. */
export interface HealthAnswer {
  status: number;
  body: string;
}

const HEALTHY: HealthAnswer = { status: 200, body: '{"status":"ok"}' };
const READY: HealthAnswer = { status: 200, body: '{"status":"ready"}' };
const DRAINING: HealthAnswer = { status: 503, body: '{"status":"draining"}' };

/**
 * The answer of GET /healthz (the process runs) or /readyz (it takes connections and deliveries:
 * listening and not draining, and — with `notReady` — its dependencies ready: else 503
 * `{status: 'not_ready', failing: [{dependency, reason}]}`); undefined for any other path. The
 * internal port and the health port both answer with it, so the two never disagree.
 */
export function healthAnswer(path: string, ready: () => boolean, notReady?: EdgeReadiness): HealthAnswer | undefined {
  if (path === '/healthz') return HEALTHY;
  if (path !== '/readyz') return undefined;
  if (!ready()) return DRAINING;
  const failing = notReady?.() ?? [];
  return failing.length ? { status: 503, body: JSON.stringify(readinessAnswer(failing).body) } : READY;
}

const NOT_FOUND = JSON.stringify(errorBody('not_found', 'health port: GET /healthz, GET /readyz'));

/** A bound health port; `close()` stops it and ends its open connections. */
export interface HealthPort {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The edge's health port: /healthz and /readyz on plain node:http, for checkers that speak HTTP/1.0
 * (HAProxy's default `option httpchk`, Nagios check_http) or that uWS's parser would otherwise leave
 * unanswered. No uWebSockets.js build runs a handler for an HTTP/1.0 request. It shares the event
 * loop with the uWS ports, so a stuck loop fails the check here too. Short timeouts: a health check
 * is one small request, and a slow client must not hold a socket.
 */
export function startHealthPort(host: string, port: number, ready: () => boolean, notReady?: EdgeReadiness): Promise<HealthPort> {
  const server: Server = createServer({ requestTimeout: 5000, headersTimeout: 5000, keepAliveTimeout: 5000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    const answer = req.method === 'GET' || req.method === 'HEAD' ? healthAnswer(path, ready, notReady) : undefined;
    const body = answer?.body ?? NOT_FOUND;
    res.writeHead(answer?.status ?? 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot listen on ${host}:${port} (health port)`, { cause: err })));
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
