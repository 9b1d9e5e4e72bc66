/**
 * Test helpers for code that uses the device SDK (import `@pushwire/device-client/testing`).
 * Node only: FakeEdge runs a real HTTP + WebSocket server.
 */
export { waitForEvent } from './wait-for-event';
export { BrowserLikeWebSocket, countingBrowserWebSocket } from './browser-like-websocket';
export { FakeEdge, type FakeEdgeOptions, type FakeConnection, type FakeIdentity } from './fake-edge';
export type { FakePublishOptions, FakeTopicOptions } from './fake-topics';
export { topicRecorder, type TopicRecorder } from './topic-recorder';
