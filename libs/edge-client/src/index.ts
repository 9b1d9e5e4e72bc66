/**
 * @pushwire/edge-client — the edge's internal API as its callers see it: deliveries (push client,
 * message processor, the edges' device-to-device relay) and account notices (device list).
 */
export { EdgeClient, type EdgeClientOptions } from './edge-client';
export type { EdgeAnswer, EdgeOutcome } from './delivery-answer';
