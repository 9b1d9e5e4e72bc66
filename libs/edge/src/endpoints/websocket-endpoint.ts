import { uWS, type HttpResponse, type TemplatedApp } from '@pushwire/uws';
import { CloseCode } from '@pushwire/protocol';
import type { DeviceIdentity } from '@pushwire/auth';
import type { Admission } from '../admission';
import type { ConnectionLifecycle } from '../connection-lifecycle';
import { Transport, type SocketData } from '../connection';
import type { FrameHandler } from '../frame-handler';
import { respondError, tokenFrom } from '../uws-http';
import { authFailure, refuse, watchAborted } from './device-answers';
import { handshakeHeaders, handshakeProblem, handshakeRefusal, type HandshakeProblem } from './websocket-handshake';

/** What the WebSocket endpoint needs: who gets in, the connection lifecycle, where frames go. */
export interface WebSocketEndpointDeps {
  maxMessageBytes: number;
  heartbeatSeconds: number;
  admission: Pick<Admission, 'refusal' | 'authenticate' | 'authenticateNow'>;
  lifecycle: Pick<ConnectionLifecycle, 'newConnection' | 'attached' | 'detached' | 'close'>;
  frames: Pick<FrameHandler, 'onText' | 'onBinary'>;
}

/**
 * GET /v1/connect, the WebSocket endpoint. The device authenticates before the upgrade (header or
 * `?token=`), or — with `?auth=frame` — by a first `auth` frame within the no-auth TTL.
 */
export function websocketEndpoint(app: TemplatedApp, deps: WebSocketEndpointDeps): void {
  const { admission, lifecycle, frames, maxMessageBytes } = deps;
  app.ws<SocketData>('/v1/connect', {
    compression: uWS.DISABLED,
    // uWS drops a frame over this limit without a close frame (1006); frames up to it reach `message`,
    // which closes oversized ones with 1009 as the protocol promises.
    maxPayloadLength: Math.max(maxMessageBytes * 4, 1024 * 1024),
    // uWS pings a socket idle for half of this and closes it when the other half passes silently.
    idleTimeout: Math.max(8, deps.heartbeatSeconds * 2),
    sendPingsAutomatically: true,
    // The edge answers `backpressure` long before this; past it a send is dropped and the device closed.
    maxBackpressure: 64 * 1024 * 1024,
    closeOnBackpressureLimit: 0,

    upgrade: (res, req, context) => {
      // Everything from req must be read now: it is gone after the first await.
      const handshake = handshakeHeaders(req);
      const problem = handshakeProblem(handshake);
      if (problem) {
        refuseHandshake(res, problem);
        return;
      }
      const key = handshake.key;
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const token = tokenFrom(req);
      const firstFrameAuth = req.getQuery('auth') === 'frame';

      const refusal = admission.refusal();
      if (refusal) {
        refuse(res, { aborted: false }, refusal);
        return;
      }
      if (!token && firstFrameAuth) {
        res.upgrade<SocketData>(
          { connection: lifecycle.newConnection(Transport.WebSocket, undefined) },
          key,
          protocol,
          extensions,
          context,
        );
        return;
      }
      if (!token) {
        respondError(
          res,
          { aborted: false },
          'unauthorized',
          'a device token is required: Authorization: Bearer <token>, ?token=<token>, or ?auth=frame and an auth frame',
        );
        return;
      }
      // Answered in this turn when the authenticator can (HS256): no abort watch, no promise.
      let identity: DeviceIdentity | undefined;
      try {
        identity = admission.authenticateNow(token);
      } catch (err) {
        authFailure(res, { aborted: false }, err);
        return;
      }
      if (identity) {
        res.upgrade<SocketData>({ connection: lifecycle.newConnection(Transport.WebSocket, identity) }, key, protocol, extensions, context);
        return;
      }
      const state = watchAborted(res);
      return admission.authenticate(token).then(
        (verified) => {
          if (state.aborted) return;
          state.aborted = true;
          const c = lifecycle.newConnection(Transport.WebSocket, verified);
          res.cork(() => res.upgrade<SocketData>({ connection: c }, key, protocol, extensions, context));
        },
        (err) => authFailure(res, state, err),
      );
    },
    open: (ws) => {
      const c = ws.getUserData().connection;
      c.socket = ws;
      lifecycle.attached(c);
    },
    message: (ws, message, isBinary) => {
      const c = ws.getUserData().connection;
      if (message.byteLength > maxMessageBytes)
        lifecycle.close(c, CloseCode.MESSAGE_TOO_BIG, `frames may have at most ${maxMessageBytes} bytes`);
      else if (isBinary) frames.onBinary(c);
      else frames.onText(c, Buffer.from(message).toString('utf8'));
    },
    close: (ws, code) => lifecycle.detached(ws.getUserData().connection, code),
  });
  // uWS hands a request to `upgrade` only when its Sec-WebSocket-Key is 24 characters long; any other
  // request for /v1/connect comes here, and gets the same JSON answer instead of a 404.
  app.any('/v1/connect', (res, req) => refuseHandshake(res, handshakeRefusal(handshakeHeaders(req))));
}

function refuseHandshake(res: HttpResponse, problem: HandshakeProblem): void {
  respondError(res, { aborted: false }, problem.code, problem.message, problem.headers);
}
