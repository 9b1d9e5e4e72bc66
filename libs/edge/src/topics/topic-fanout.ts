// Between the topic feed (which calls it for every record read live) and the edge's local fan-out
// (LocalTopicFanout: uWS native pub/sub for WebSockets, the SSE streams one by one).

/** Writes one frame to many local connections. */
export interface TopicFanout {
  /** Writes a `topic.message` frame (its text) to every local subscriber of `topic`; returns how many. */
  publish(topic: string, frame: string): number;
  /** Writes a `broadcast` frame to every open connection, or those of `deviceTypes`; returns how many. */
  broadcast(frame: string, deviceTypes: readonly string[] | undefined): number;
}
