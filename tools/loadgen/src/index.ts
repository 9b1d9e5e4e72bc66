/**
 * @pushwire/loadgen — the benches' client side: lean raw WebSocket clients that speak Pushwire's
 * device protocol, bare WebSocket and Socket.IO (Engine.IO v4), held by the thousand in worker
 * threads of several processes and driven by one coordinator (ClientFleet).
 */
export { ClientFleet, MAX_FLEET_CONNECTIONS, type ConnectResult, type FleetOptions } from './client-fleet';
export type { ConnectPlan, LatencySamples, LoadStats, ReconnectPlan, ReconnectReport, TokenPlan, TopicPlan } from './worker-messages';
export { WIRE_PROTOCOLS, topicsOf, type WireProtocol } from './wire-protocol';
export { epochNowMs, payloadSentAtOf, sentAtOf, timestampedPayload } from './timestamp';
export { countsPerBucket, peakPerWindow } from './accept-rate';
export { assertLoopbackHost, sourceAddress } from './loopback';
export { openRawWebSocket, type RawWebSocketOptions } from './raw-ws-client';
export { maskedTextFrame } from './ws-client-frame';
