/**
 * @pushwire/loadgen — the benches' client side: lean raw WebSocket clients that speak Pushwire's
 * device protocol, bare WebSocket and Socket.IO (Engine.IO v4), held by the thousand in worker
 * threads of several processes and driven by one coordinator (ClientFleet).
 */
export { openRawWebSocket, type RawWebSocketOptions } from './raw-ws-client';
export { maskedTextFrame } from './ws-client-frame';
