/** @pushwire/edge — the push edge: device connections (uWebSockets.js), delivery, registration. */
export { EdgeServer, type EdgeDeps } from './edge-server';
export type { EdgeReadiness } from './edge-readiness';
export { edgeConfigSpec, loadEdgeConfig, type EdgeConfig } from './edge-config';
export { authenticatorFromConfig } from './start-edge';
export { EDGE_NODE_FLAGS } from './node-flags';
export { ConnectionEventPublisher, type ConnectionEventSink } from './devices/connection-events';
export { sameAccountPolicy, type D2dParty, type D2dPolicy } from './devices/d2d-policy';
export { TokenTopicPolicy, type TopicPolicy, type TopicSubscriber } from './topics/topic-policy';
export { EdgeLink, type EdgeLinkOptions } from './links/edge-link';
export { EdgeLinks, linkUrl } from './links/edge-links';
export { LinkEndpoint, type LinkEndpointDeps } from './links/link-endpoint';
