// LEAD/MERGE (issue 14): the contract between the topic feed (which calls it for every record
// read live) and the subscriptions (which implement it over uWS pub/sub and the SSE streams).

/** Writes one frame to many local connections. */
export interface TopicFanout {
  /** Writes a `topic.message` frame (its text) to every local subscriber of `topic`; returns how many. */
  publish(topic: string, frame: string): number;
  /** Writes a `broadcast` frame to every open connection, or those of `deviceTypes`; returns how many. */
  broadcast(frame: string, deviceTypes: readonly string[] | undefined): number;
}
