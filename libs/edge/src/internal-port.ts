import { uWS, type HttpRequest, type HttpResponse, type TemplatedApp } from '@pushwire/uws';
import {
  MAX_DELIVERY_BATCH,
  ProtocolValidationError,
  Validators,
  DeliveryStatuses,
  parseJson,
  type AccountNotice,
  type Delivery,
  type DeliveryBatch,
} from '@pushwire/protocol';
import {
  EDGE_ROLES,
  errorBody,
  SENDER_ROLES,
  ServiceTokenVerifier,
  wrongRoleMessage,
  type Registry,
  type MessageJournal,
  type ServiceRole,
  type ServiceTokens,
  type Context,
} from '@pushwire/service-kit';
import { decodeDeliverBody, deliverAll } from './deliver-body';
import { deliveryBatchResultText } from './deliver-results';
import type { Deliverer } from './delivery';
import type { LinkEndpoint } from './links/link-endpoint';
import { tracedDelivery, uwsTraceContext } from './delivery-tracing';
import type { EdgeMetrics } from './edge-metrics';
import type { EdgeReadiness } from './edge-readiness';
import { healthAnswer } from './health-port';
import { guardHandlers, type HandlerFailure } from './guarded-app';
import {
  BodyTooLargeError,
  notFound,
  readBody,
  respondError,
  respondJson,
  respondJsonText,
  statusLine,
  type ResponseState,
} from './uws-http';

/** What the internal port needs: the service tokens it checks, delivery, notices, readiness and metrics. */
export interface InternalPortDeps {
  /** Deliveries take sender and edge tokens; notices (from the device list) edge tokens only. */
  serviceTokens: ServiceTokens;
  deliverer: Pick<Deliverer, 'deliver'>;
  /** GET /v1/link, the edge links peers relay d2d over (edge token). */
  links: Pick<LinkEndpoint, 'attach'>;
  metrics: Pick<EdgeMetrics, 'deliverLatency'>;
  metricsRegistry: Registry;
  /** Writes a device-list notice to the account's subscribed connections; returns how many. */
  notify(notice: AccountNotice): number;
  /** Ready to take deliveries: listening and not draining. */
  ready(): boolean;
  /** The dependencies that are not ready (lease, topic history …): /readyz answers 503 naming them. */
  notReady?: EdgeReadiness;
  /** Told of a handler that threw: the port answers 500 and carries on. */
  handlerFailed: HandlerFailure;
  /** What GET /v1/messages/:messageId/events answers from (this process's journal). */
  journal: Pick<MessageJournal, 'eventsOf'>;
}

/** The service named in the edge's journal events and answers. */
export const EDGE_SERVICE = 'push-edge';

/** Largest deliver body: a full batch of maximal messages would be far larger; 16 MiB bounds memory. */
const MAX_DELIVER_BODY_BYTES = 16 * 1024 * 1024;
const MAX_NOTICE_BODY_BYTES = 16 * 1024;

/**
 * The edge's internal port, for other Pushwire services only: POST /v1/deliver (sender or edge
 * token), POST /v1/notify (edge token: the device list), GET /v1/link (edge token: edge links), and the open ops endpoints /healthz,
 * /readyz, /metrics. Every handler is guarded (guardHandlers) and returns its promise chain, so a
 * failure anywhere in it is a 500, not a crash.
 */
export function buildInternalPort(deps: InternalPortDeps): TemplatedApp {
  const app = guardHandlers(uWS.App(), deps.handlerFailed);
  const verifier = new ServiceTokenVerifier(deps.serviceTokens);

  app.post(
    '/v1/deliver',
    servicePost(
      verifier,
      SENDER_ROLES,
      {
        maxBytes: MAX_DELIVER_BODY_BYTES,
        tooLarge: `a deliver request may have at most ${MAX_DELIVER_BODY_BYTES} bytes and ${MAX_DELIVERY_BATCH} deliveries`,
        parse: decodeDeliverBody,
        decode: (body) => body as Delivery | DeliveryBatch,
      },
      (request, reply, startedAt, trace) => {
        const observe = () => deps.metrics.deliverLatency.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
        if ('deliveries' in request) {
          const results = deliverAll(deps.deliverer, request.deliveries, trace);
          if (!(results instanceof Promise)) {
            observe();
            reply(200, new EncodedJson(deliveryBatchResultText(results)));
            return;
          }
          return results.then((answered) => {
            observe();
            reply(200, new EncodedJson(deliveryBatchResultText(answered)));
          });
        }
        return Promise.resolve(tracedDelivery(trace, request, deps.deliverer)).then((result) => {
          observe();
          const headers = result.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)) } : undefined;
          reply(DeliveryStatuses[result.status].http, result, headers);
        });
      },
    ),
  );

  deps.links.attach(app, verifier);

  // The device list's device.online / device.offline for one account's subscribed devices here.
  app.post(
    '/v1/notify',
    servicePost(
      verifier,
      EDGE_ROLES,
      {
        maxBytes: MAX_NOTICE_BODY_BYTES,
        tooLarge: `a notice may have at most ${MAX_NOTICE_BODY_BYTES} bytes`,
        decode: (body): AccountNotice => Validators.accountNotice.decode(body),
      },
      (notice, reply) => reply(200, { notified: deps.notify(notice) }),
    ),
  );

  // pushctl trace: what this process recorded of one message (sender or edge token).
  app.get('/v1/messages/:messageId/events', (res, req) => {
    const state: ResponseState = { aborted: false };
    const check = verifier.check(req.getHeader('authorization'), SENDER_ROLES);
    if (check === 'unauthorized')
      return respondError(res, state, 'unauthorized', 'a valid service token is required (Authorization: Bearer <token>)');
    if (check === 'forbidden') return respondError(res, state, 'forbidden', wrongRoleMessage(SENDER_ROLES));
    let messageId: string;
    try {
      ({ messageId } = Validators.messageEventsParams.decode({ messageId: decodeURIComponent(req.getParameter(0) ?? '') }));
    } catch (e) {
      const issues = e instanceof ProtocolValidationError ? e.issues : undefined;
      return respondJson(res, state, 400, errorBody('invalid_request', `invalid message id: ${(e as Error).message}`, issues));
    }
    respondJson(res, state, 200, { service: EDGE_SERVICE, events: deps.journal.eventsOf(messageId) });
  });

  for (const path of ['/healthz', '/readyz'])
    app.get(path, (res) => {
      const answer = healthAnswer(path, deps.ready, deps.notReady)!;
      res.cork(() => res.writeStatus(statusLine(answer.status)).writeHeader('content-type', 'application/json').end(answer.body));
    });

  app.get('/metrics', (res) => {
    const state: ResponseState = { aborted: false };
    res.onAborted(() => (state.aborted = true));
    return deps.metricsRegistry.metrics().then((text) => {
      if (state.aborted) return;
      res.cork(() => res.writeHeader('content-type', deps.metricsRegistry.contentType).end(text));
    });
  });

  app.any(
    '/*',
    notFound(
      'internal endpoints: POST /v1/deliver, POST /v1/notify, GET /v1/link (WebSocket), GET /v1/messages/:messageId/events, GET /healthz, /readyz, /metrics',
    ),
  );

  return app;
}

/** A JSON body already encoded (a batch's results, spliced by deliveryBatchResultText): answered as it is. */
class EncodedJson {
  constructor(readonly text: string) {}
}

/** Answers a request an internal endpoint took in: JSON (or its text, EncodedJson), with a status and any headers. */
type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** How an internal endpoint reads its body: at most `maxBytes` (else 413 saying `tooLarge`), parsed by `parse` (default parseJson), decoded by `decode`. */
interface BodySpec<T> {
  maxBytes: number;
  tooLarge: string;
  parse?(text: string): unknown;
  decode(json: unknown): T;
}

/**
 * What every internal POST endpoint does before its own work: the service token checked (401), the
 * body read (413 past its limit) and decoded (400 invalid_request naming the field). `handle` gets
 * the request, a way to reply, and when the request was taken in (for latency).
 */
function servicePost<T>(
  verifier: ServiceTokenVerifier,
  roles: readonly ServiceRole[],
  body: BodySpec<T>,
  handle: (request: T, reply: Reply, startedAt: bigint, trace: Context | undefined) => void,
): (res: HttpResponse, req: HttpRequest) => Promise<void> | void {
  return (res, req) => {
    const state: ResponseState = { aborted: false };
    res.onAborted(() => (state.aborted = true));
    // 401 without a valid service token, 403 for a token of another role.
    const check = verifier.check(req.getHeader('authorization'), roles);
    if (check !== 'ok') {
      if (check === 'unauthorized')
        respondError(res, state, 'unauthorized', 'a valid service token is required (Authorization: Bearer <token>)');
      else respondError(res, state, 'forbidden', wrongRoleMessage(roles));
      return;
    }
    const startedAt = process.hrtime.bigint();
    const trace = uwsTraceContext(req); // the caller's trace context, read while req is valid
    return readBody(res, body.maxBytes).then(
      (bytes) => {
        let request: T;
        try {
          const text = bytes.toString('utf8');
          request = body.decode(body.parse ? body.parse(text) : parseJson(text, 'body'));
        } catch (e) {
          const err = e as ProtocolValidationError;
          respondJson(res, state, 400, errorBody('invalid_request', err.message, err.issues));
          return;
        }
        handle(
          request,
          (status, json, headers) =>
            json instanceof EncodedJson
              ? respondJsonText(res, state, status, json.text, headers)
              : respondJson(res, state, status, json, headers),
          startedAt,
          trace,
        );
      },
      (err) => {
        if (err instanceof BodyTooLargeError) respondError(res, state, 'payload_too_large', body.tooLarge);
        else respondError(res, state, 'internal', 'reading the request failed');
      },
    );
  };
}
