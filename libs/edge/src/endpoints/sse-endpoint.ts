import type { TemplatedApp } from '@pushwire/uws';
import type { Admission } from '../admission';
import type { ConnectionLifecycle } from '../connection-lifecycle';
import { Transport, type Connection } from '../connection';
import { respondError, tokenFrom, type ResponseState } from '../uws-http';
import { authFailure, CORS, refuse } from './device-answers';

/** What the SSE endpoint needs: who gets in and the connection lifecycle. */
export interface SseEndpointDeps {
  heartbeatSeconds: number;
  admission: Pick<Admission, 'refusal' | 'authenticate'>;
  lifecycle: Pick<ConnectionLifecycle, 'newConnection' | 'attached' | 'detached'>;
}

/**
 * GET /v1/events, server-sent events for devices that cannot hold a WebSocket. The token comes with
 * the request (header or `?token=`); frames from the device come through POST /v1/frames.
 */
export function sseEndpoint(app: TemplatedApp, deps: SseEndpointDeps): void {
  const { admission, lifecycle } = deps;
  app.get('/v1/events', (res, req) => {
    const token = tokenFrom(req);
    const state: ResponseState = { aborted: false };
    let connection: Connection | undefined;
    res.onAborted(() => {
      state.aborted = true;
      if (connection) lifecycle.detached(connection, 1001);
    });
    const refusal = admission.refusal();
    if (refusal) {
      refuse(res, state, refusal, CORS);
      return;
    }
    if (!token) {
      respondError(res, state, 'unauthorized', 'a device token is required: Authorization: Bearer <token> or ?token=<token>', CORS);
      return;
    }
    return admission.authenticate(token).then(
      (identity) => {
        if (state.aborted) return;
        const c = lifecycle.newConnection(Transport.Sse, identity);
        c.socket = res;
        connection = c;
        res.cork(() => {
          res.writeStatus('200 OK');
          res.writeHeader('content-type', 'text/event-stream');
          res.writeHeader('cache-control', 'no-cache, no-transform');
          res.writeHeader('x-accel-buffering', 'no');
          res.writeHeader('access-control-allow-origin', '*');
          // Reconnect timing is the SDK's job (backoff with jitter), not EventSource's fixed retry.
          res.write(`retry: ${deps.heartbeatSeconds * 1000}\n\n`);
        });
        res.onWritable(() => {
          c.sseBlocked = false;
          return true;
        });
        lifecycle.attached(c);
      },
      (err) => authFailure(res, state, err),
    );
  });
}
