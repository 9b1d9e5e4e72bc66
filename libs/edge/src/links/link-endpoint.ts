import { uWS, type TemplatedApp, type WebSocket } from '@pushwire/uws';
import {
  CloseCode,
  MAX_LINK_FRAME_BYTES,
  parseJson,
  Validators,
  type Delivery,
  type DeliveryStatus,
  type LinkRequest,
} from '@pushwire/protocol';
import { EDGE_ROLES, wrongRoleMessage, type ServiceTokenVerifier } from '@pushwire/service-kit';
import type { Logger } from '@pushwire/service-kit';
import type { Deliverer } from '../delivery';
import { respondError } from '../uws-http';

/** What the link endpoint needs: who may open a link (edge tokens), and where deliveries go. */
export interface LinkEndpointDeps {
  deliverer: Pick<Deliverer, 'deliver'>;
  logger: Logger;
  /** Told how long each link request took to answer, in seconds. */
  observe?(seconds: number): void;
}

/** Per link: set once it closed, so a late answer (a delivery that waited) is not sent on a dead socket. */
interface LinkData {
  closed: boolean;
}

/** Past this many bytes queued to a peer that does not read its answers, the link is closed (the peer fails its in-flight as unavailable). */
const MAX_LINK_BACKPRESSURE_BYTES = 16 * 1024 * 1024;

/**
 * GET /v1/link on the internal port (docs/protocol.md, "Edge links"): the server side of the
 * edge-to-edge links another edge opens to relay device-to-device messages. The upgrade needs an edge
 * service token, like /v1/notify (401 / 403 otherwise, before any WebSocket exists). Each text frame
 * is a LinkRequest, validated like a /v1/deliver body; its deliveries go to the Deliverer (fencing by
 * connection id as for /v1/deliver: a stale one is `gone`), and the LinkAnswer with their statuses
 * goes back on the same link. A frame that is not a valid request is a peer's bug: the link is
 * closed (1008 / 1009), and the peer fails what it had in flight.
 */
export class LinkEndpoint {
  private readonly open = new Set<WebSocket<LinkData>>();

  constructor(private readonly deps: LinkEndpointDeps) {}

  attach(app: TemplatedApp, verifier: ServiceTokenVerifier): void {
    app.ws<LinkData>('/v1/link', {
      compression: uWS.DISABLED,
      maxPayloadLength: MAX_LINK_FRAME_BYTES,
      // The peer pings every few seconds; a link silent for this long is dead and closed.
      idleTimeout: 60,
      sendPingsAutomatically: true,
      maxBackpressure: MAX_LINK_BACKPRESSURE_BYTES,
      closeOnBackpressureLimit: 1,
      upgrade: (res, req, context) => {
        const check = verifier.check(req.getHeader('authorization'), EDGE_ROLES);
        if (check !== 'ok') {
          const state = { aborted: false };
          res.onAborted(() => (state.aborted = true));
          if (check === 'unauthorized')
            respondError(res, state, 'unauthorized', 'a valid edge service token is required (Authorization: Bearer <token>)');
          else respondError(res, state, 'forbidden', wrongRoleMessage(EDGE_ROLES));
          return;
        }
        res.upgrade<LinkData>(
          { closed: false },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => void this.open.add(ws),
      message: (ws, data, isBinary) => this.onFrame(ws, data, isBinary),
      close: (ws) => {
        ws.getUserData().closed = true;
        this.open.delete(ws);
      },
    });
  }

  /** Links open now. */
  get size(): number {
    return this.open.size;
  }

  /** Closes every link (1001 going away): the peers fail their in-flight messages as `unavailable`. */
  closeAll(): void {
    for (const ws of [...this.open]) ws.end(CloseCode.GOING_AWAY, 'edge shutting down');
  }

  private onFrame(ws: WebSocket<LinkData>, data: ArrayBuffer, isBinary: boolean): void {
    let request: LinkRequest;
    try {
      if (isBinary) throw new TypeError('link frames are text');
      request = Validators.linkRequest.decode(parseJson(Buffer.from(data).toString('utf8'), 'link frame'));
    } catch (err) {
      this.deps.logger.warn({ err }, 'edge link: invalid frame from a peer edge; closing the link');
      ws.end(CloseCode.POLICY_VIOLATION, 'invalid link frame');
      return;
    }
    const startedAt = performance.now();
    const reply = (statuses: DeliveryStatus[]) => {
      answer(ws, request.id, statuses);
      this.deps.observe?.((performance.now() - startedAt) / 1000);
    };
    const results = request.deliveries.map((d: Delivery) => this.deps.deliverer.deliver(d));
    // One loop over the results, no promise, when every delivery settled at once (the usual case).
    const statuses: DeliveryStatus[] = [];
    for (const r of results) {
      if (r instanceof Promise) break;
      statuses.push(r.status);
    }
    if (statuses.length === results.length) {
      reply(statuses);
      return;
    }
    // A delivery that waits (an ack, an inbox removal) holds the answer, not the link: others keep flowing.
    Promise.all(results).then(
      (settled) => reply(settled.map((r) => r.status)),
      (err: unknown) => {
        this.deps.logger.warn({ err }, 'edge link: a relayed delivery failed');
        reply(request.deliveries.map((): DeliveryStatus => 'unavailable'));
      },
    );
  }
}

function answer(ws: WebSocket<LinkData>, id: number, statuses: DeliveryStatus[]): void {
  if (ws.getUserData().closed) return;
  ws.send(JSON.stringify({ id, statuses }), false);
}
