import uWS, { type TemplatedApp } from 'uWebSockets.js';
import {
  MAX_DELIVERY_BATCH,
  ProtocolValidationError,
  Validators,
  DeliveryStatuses,
  parseJson,
  type AccountNotice,
  type DeliveryResult,
  type Delivery,
} from '@pushwire/protocol';
import { errorBody, serviceTokenMatches, type Registry } from '@pushwire/service-kit';
import type { Deliverer } from './delivery';
import type { EdgeMetrics } from './edge-metrics';
import { guardHandlers, type HandlerFailure } from './guarded-app';
import { BodyTooLargeError, notFound, readBody, respondError, respondJson, statusLine, type ResponseState } from './uws-http';

/** What the internal port needs: the service token it checks, delivery, notices, readiness and metrics. */
export interface InternalPortDeps {
  serviceToken: string;
  deliverer: Pick<Deliverer, 'deliver'>;
  metrics: Pick<EdgeMetrics, 'deliverLatency'>;
  metricsRegistry: Registry;
  /** Writes a device-list notice to the account's subscribed connections; returns how many. */
  notify(notice: AccountNotice): number;
  /** Ready to take deliveries: listening and not draining. */
  ready(): boolean;
  /** Told of a handler that threw: the port answers 500 and carries on. */
  handlerFailed: HandlerFailure;
}

/** Largest deliver body: a full batch of maximal messages would be far larger; 16 MiB bounds memory. */
const MAX_DELIVER_BODY_BYTES = 16 * 1024 * 1024;
const MAX_NOTICE_BODY_BYTES = 16 * 1024;

/**
 * The edge's internal port, for other Pushwire services only: POST /v1/deliver (service token
 * required), and the open ops endpoints /healthz, /readyz, /metrics. Every handler is guarded
 * (guardHandlers) and returns its promise chain, so a failure anywhere in it is a 500, not a crash.
 */
export function buildInternalPort(deps: InternalPortDeps): TemplatedApp {
  const app = guardHandlers(uWS.App(), deps.handlerFailed);

  app.post('/v1/deliver', (res, req) => {
    const state: ResponseState = { aborted: false };
    res.onAborted(() => (state.aborted = true));
    if (!serviceTokenMatches(req.getHeader('authorization'), deps.serviceToken)) {
      respondError(res, state, 'unauthorized', 'a valid service token is required (Authorization: Bearer <PUSHWIRE_SERVICE_TOKEN>)');
      return;
    }
    const started = process.hrtime.bigint();
    return readBody(res, MAX_DELIVER_BODY_BYTES).then(
      (bytes) => {
        let request;
        try {
          // Validate against the one form the body claims to be, so errors name the real field.
          const body = parseJson(bytes.toString('utf8'), 'body');
          request =
            typeof body === 'object' && body !== null && 'deliveries' in body
              ? Validators.deliveryBatch.decode(body)
              : Validators.delivery.decode(body);
        } catch (e) {
          const err = e as ProtocolValidationError;
          respondJson(res, state, 400, errorBody('invalid_request', err.message, err.issues));
          return;
        }
        const observe = () => deps.metrics.deliverLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
        if ('deliveries' in request) {
          return deliverBatch(deps.deliverer, request.deliveries).then((results) => {
            observe();
            respondJson(res, state, 200, { results });
          });
        }
        return Promise.resolve(deps.deliverer.deliver(request)).then((result) => {
          observe();
          const headers = result.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)) } : undefined;
          respondJson(res, state, DeliveryStatuses[result.status].http, result, headers);
        });
      },
      (err) => {
        if (err instanceof BodyTooLargeError)
          respondError(
            res,
            state,
            'payload_too_large',
            `a deliver request may have at most ${MAX_DELIVER_BODY_BYTES} bytes and ${MAX_DELIVERY_BATCH} deliveries`,
          );
        else respondError(res, state, 'internal', 'reading the request failed');
      },
    );
  });

  // The device list's device.online / device.offline for one account's subscribed devices here.
  app.post('/v1/notify', (res, req) => {
    const state: ResponseState = { aborted: false };
    res.onAborted(() => (state.aborted = true));
    if (!serviceTokenMatches(req.getHeader('authorization'), deps.serviceToken)) {
      respondError(res, state, 'unauthorized', 'a valid service token is required (Authorization: Bearer <PUSHWIRE_SERVICE_TOKEN>)');
      return;
    }
    return readBody(res, MAX_NOTICE_BODY_BYTES).then(
      (bytes) => {
        let notice: AccountNotice;
        try {
          notice = Validators.accountNotice.decode(parseJson(bytes.toString('utf8'), 'body'));
        } catch (e) {
          const err = e as ProtocolValidationError;
          respondJson(res, state, 400, errorBody('invalid_request', err.message, err.issues));
          return;
        }
        respondJson(res, state, 200, { notified: deps.notify(notice) });
      },
      (err) => {
        if (err instanceof BodyTooLargeError)
          respondError(res, state, 'payload_too_large', `a notice may have at most ${MAX_NOTICE_BODY_BYTES} bytes`);
        else respondError(res, state, 'internal', 'reading the request failed');
      },
    );
  });

  app.get('/healthz', (res) => {
    res.cork(() => res.writeHeader('content-type', 'application/json').end('{"status":"ok"}'));
  });

  app.get('/readyz', (res) => {
    const ready = deps.ready();
    res.cork(() => {
      res.writeStatus(statusLine(ready ? 200 : 503));
      res.writeHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: ready ? 'ready' : 'draining' }));
    });
  });

  app.get('/metrics', (res) => {
    const state: ResponseState = { aborted: false };
    res.onAborted(() => (state.aborted = true));
    return deps.metricsRegistry.metrics().then((text) => {
      if (state.aborted) return;
      res.cork(() => res.writeHeader('content-type', deps.metricsRegistry.contentType).end(text));
    });
  });

  app.any('/*', notFound('internal endpoints: POST /v1/deliver, POST /v1/notify, GET /healthz, /readyz, /metrics'));

  return app;
}

/** Delivers a batch in order; only deliveries waiting for acks become promises. */
async function deliverBatch(deliverer: Pick<Deliverer, 'deliver'>, deliveries: Delivery[]): Promise<DeliveryResult[]> {
  const results: (DeliveryResult | Promise<DeliveryResult>)[] = deliveries.map((d) => deliverer.deliver(d));
  return Promise.all(results);
}
