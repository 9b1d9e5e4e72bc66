import { uWS, type TemplatedApp } from '@pushwire/uws';
import { framesEndpoint, type FramesEndpointDeps } from './endpoints/frames-endpoint';
import { guardHandlers, type HandlerFailure } from './guarded-app';
import { sseEndpoint, type SseEndpointDeps } from './endpoints/sse-endpoint';
import { websocketEndpoint, type WebSocketEndpointDeps } from './endpoints/websocket-endpoint';
import { notFound } from './uws-http';

/** What the device port's endpoints need, together; each endpoint takes only its own part. */
export type DevicePortDeps = WebSocketEndpointDeps &
  SseEndpointDeps &
  FramesEndpointDeps & {
    /** Told of a handler that threw: the port answers 500 (or closes 1011) and carries on. */
    handlerFailed: HandlerFailure;
  };

/**
 * The device port: WebSocket at /v1/connect, SSE at /v1/events and the SSE back-channel
 * POST /v1/frames; anything else is 404. Every handler is guarded (guardHandlers).
 */
export function buildDevicePort(deps: DevicePortDeps): TemplatedApp {
  const app = guardHandlers(uWS.App(), deps.handlerFailed);
  websocketEndpoint(app, deps);
  sseEndpoint(app, deps);
  framesEndpoint(app, deps);
  app.any('/*', notFound('device endpoints: GET /v1/connect (WebSocket), GET /v1/events (SSE), POST /v1/frames'));
  return app;
}
