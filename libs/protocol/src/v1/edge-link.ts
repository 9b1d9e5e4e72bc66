import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATUSES } from './codes';
import { Delivery } from './internal-api';

/*
 * The edge-to-edge link (docs/protocol.md, "Edge links"): one WebSocket from an edge to a peer edge's
 * internal port (GET /v1/link, edge service token), carrying relayed device-to-device deliveries
 * pipelined under correlation ids. Each text frame is one JSON object; the peer answers every
 * request once, on the same link, with the statuses in the order of the deliveries.
 */

const strict = { additionalProperties: false } as const;

/** Most deliveries in one link request (the sender relays one request per peer and event-loop turn). */
export const MAX_LINK_BATCH = 100;

/** Largest link frame either way: MAX_LINK_BATCH deliveries of the largest default message with room to spare. */
export const MAX_LINK_FRAME_BYTES = 8 * 1024 * 1024;

/** Correlation id of a link request, chosen by the sender, unique among its requests in flight on that link. */
const LinkId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Sender → peer: deliveries to devices on the peer edge, fenced by their connection ids like /v1/deliver. */
export const LinkRequest = Type.Object({ id: LinkId, deliveries: Type.Array(Delivery, { minItems: 1, maxItems: MAX_LINK_BATCH }) }, strict);
export type LinkRequest = Static<typeof LinkRequest>;

/** Peer → sender: one status per delivery of the request `id`, in the same order. */
export const LinkAnswer = Type.Object(
  {
    id: LinkId,
    statuses: Type.Array(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))), { maxItems: MAX_LINK_BATCH }),
  },
  strict,
);
export type LinkAnswer = Static<typeof LinkAnswer>;
