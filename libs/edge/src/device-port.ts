import uWS, { type HttpResponse, type TemplatedApp } from 'uWebSockets.js';
import { CloseCode, decodeClientFrame, ProtocolValidationError, type ClientFrame } from '@pushwire/protocol';
import { AuthError, type DeviceIdentity } from '@pushwire/auth';
import { errorBody } from '@pushwire/service-kit';
import { Connection, Phase, Transport, type SocketData } from './connection';
import type { FrameHandler } from './frame-handler';
import { BodyTooLargeError, notFound, readBody, respondError, respondJson, tokenFrom, type ResponseState } from './uws-http';

/** What the device port needs from the edge. */
export interface DevicePortHost {
  readonly maxMessageBytes: number;
  readonly heartbeatSeconds: number;
  readonly frames: FrameHandler;
  authenticate(token: string): Promise<DeviceIdentity>;
  /** Why a new connection must be refused now (draining, overloaded), or undefined to accept. */
  admission(): { code: 'draining' | 'overloaded'; retryAfterSeconds: number } | undefined;
  /** A new connection object; identity filled in when known (header/query auth). */
  newConnection(transport: Transport, identity: DeviceIdentity | undefined): Connection;
  /** The socket is up: first-frame-auth sockets start their auth deadline, others open. */
  attached(c: Connection): void;
  /** The socket is gone, whoever closed it. */
  detached(c: Connection, code: number): void;
  close(c: Connection, code: number, reason: string): void;
  /** The current connection of a device (for the SSE back-channel). */
  connectionOf(deviceId: string): Connection | undefined;
}

const CORS = { 'access-control-allow-origin': '*' };

function authFailure(res: HttpResponse, state: ResponseState, err: unknown): void {
  const message = err instanceof AuthError ? err.message : 'authentication failed';
  respondError(res, state, 'unauthorized', message, CORS);
}

/**
 * The device port: WebSocket at /v1/connect, SSE at /v1/events and the SSE back-channel
 * POST /v1/frames. Authentication happens before any socket is accepted (header, `?token=`), or —
 * with `?auth=frame` — by a first `auth` frame within the no-auth TTL.
 */
export function buildDevicePort(host: DevicePortHost): TemplatedApp {
  const app = uWS.App();

  app.ws<SocketData>('/v1/connect', {
    compression: uWS.DISABLED,
    // uWS drops a frame over this limit without a close frame (1006); frames up to it reach `message`,
    // which closes oversized ones with 1009 as the protocol promises.
    maxPayloadLength: Math.max(host.maxMessageBytes * 4, 1024 * 1024),
    // uWS pings a socket idle for half of this and closes it when the other half passes silently.
    idleTimeout: Math.max(8, host.heartbeatSeconds * 2),
    sendPingsAutomatically: true,
    // The edge answers `backpressure` long before this; past it a send is dropped and the device closed.
    maxBackpressure: 64 * 1024 * 1024,
    closeOnBackpressureLimit: 0,

    upgrade: (res, req, context) => {
      // Everything from req must be read now: it is gone after the first await.
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const token = tokenFrom(req);
      const firstFrameAuth = req.getQuery('auth') === 'frame';
      const state: ResponseState = { aborted: false };
      res.onAborted(() => (state.aborted = true));

      const refusal = host.admission();
      if (refusal) {
        respondError(
          res,
          state,
          refusal.code,
          refusal.code === 'draining' ? 'this edge is draining; connect to another' : 'too many new connections; retry later',
          {
            'retry-after': String(refusal.retryAfterSeconds),
          },
        );
        return;
      }
      const upgrade = (c: Connection) => {
        if (state.aborted) return;
        state.aborted = true;
        res.cork(() => res.upgrade<SocketData>({ connection: c }, key, protocol, extensions, context));
      };
      if (!token && firstFrameAuth) {
        upgrade(host.newConnection(Transport.WebSocket, undefined));
        return;
      }
      if (!token) {
        respondError(
          res,
          state,
          'unauthorized',
          'a device token is required: Authorization: Bearer <token>, ?token=<token>, or ?auth=frame and an auth frame',
        );
        return;
      }
      host.authenticate(token).then(
        (identity) => upgrade(host.newConnection(Transport.WebSocket, identity)),
        (err) => authFailure(res, state, err),
      );
    },
    open: (ws) => {
      const c = ws.getUserData().connection;
      c.socket = ws;
      host.attached(c);
    },
    message: (ws, message, isBinary) => {
      const c = ws.getUserData().connection;
      if (message.byteLength > host.maxMessageBytes)
        host.close(c, CloseCode.MESSAGE_TOO_BIG, `frames may have at most ${host.maxMessageBytes} bytes`);
      else if (isBinary) host.frames.onBinary(c);
      else host.frames.onText(c, Buffer.from(message).toString('utf8'));
    },
    close: (ws, code) => host.detached(ws.getUserData().connection, code),
  });

  app.get('/v1/events', (res, req) => {
    const token = tokenFrom(req);
    const state: ResponseState = { aborted: false };
    let connection: Connection | undefined;
    res.onAborted(() => {
      state.aborted = true;
      if (connection) host.detached(connection, 1001);
    });
    const refusal = host.admission();
    if (refusal) {
      respondError(res, state, refusal.code, `edge ${refusal.code}`, { 'retry-after': String(refusal.retryAfterSeconds), ...CORS });
      return;
    }
    if (!token) {
      respondError(res, state, 'unauthorized', 'a device token is required: Authorization: Bearer <token> or ?token=<token>', CORS);
      return;
    }
    host.authenticate(token).then(
      (identity) => {
        if (state.aborted) return;
        const c = host.newConnection(Transport.Sse, identity);
        c.socket = res;
        connection = c;
        res.cork(() => {
          res.writeStatus('200 OK');
          res.writeHeader('content-type', 'text/event-stream');
          res.writeHeader('cache-control', 'no-cache, no-transform');
          res.writeHeader('x-accel-buffering', 'no');
          res.writeHeader('access-control-allow-origin', '*');
          // Reconnect timing is the SDK's job (backoff with jitter), not EventSource's fixed retry.
          res.write(`retry: ${host.heartbeatSeconds * 1000}\n\n`);
        });
        res.onWritable(() => {
          c.sseBlocked = false;
          return true;
        });
        host.attached(c);
      },
      (err) => authFailure(res, state, err),
    );
  });

  app.options('/v1/frames', (res) => {
    res.cork(() => {
      res.writeStatus('204 No Content');
      res.writeHeader('access-control-allow-origin', '*');
      res.writeHeader('access-control-allow-methods', 'POST');
      res.writeHeader('access-control-allow-headers', 'authorization, content-type');
      res.writeHeader('access-control-max-age', '600');
      res.end();
    });
  });

  // The SSE back-channel: frames a device would send over a WebSocket (ack, ping, d2d.send, …).
  app.post('/v1/frames', (res, req) => {
    const token = tokenFrom(req);
    const state: ResponseState = { aborted: false };
    res.onAborted(() => (state.aborted = true));
    const body = readBody(res, host.maxMessageBytes);
    Promise.all([host.authenticate(token), body]).then(
      ([identity, bytes]) => {
        const c = host.connectionOf(identity.deviceId);
        if (!c || c.phase === Phase.Closed) {
          respondError(res, state, 'not_found', 'this device has no open connection on this edge', CORS);
          return;
        }
        let frame: ClientFrame;
        try {
          frame = decodeClientFrame(bytes.toString('utf8'));
        } catch (e) {
          const err = e as ProtocolValidationError;
          respondJson(res, state, 400, errorBody(err.code ?? 'invalid_frame', err.message, err.issues), CORS);
          return;
        }
        // Decoded once, here: the frame handler takes the frame as it is.
        if (!state.aborted) res.cork(() => host.frames.onFrame(c, frame));
        respondJson(res, state, 202, { accepted: true }, CORS);
      },
      (err) => {
        if (err instanceof BodyTooLargeError)
          respondError(res, state, 'payload_too_large', `a frame may have at most ${host.maxMessageBytes} bytes`, CORS);
        else authFailure(res, state, err);
      },
    );
  });

  app.any('/*', notFound('device endpoints: GET /v1/connect (WebSocket), GET /v1/events (SSE), POST /v1/frames'));

  return app;
}
