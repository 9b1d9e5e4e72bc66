import type { TopicPosition } from '@pushwire/protocol';

// LEAD/MERGE (issue 14): the interface is the contract between the topic feed (which fills the
// history) and the subscriptions (which read it); the implementation comes with the feed.

/** What a resubscribing device is owed. */
export interface Recovery {
  /** True when every message of the topic after `since` is in `frames` (or there were none). */
  readonly recovered: boolean;
  /** The `topic.message` frames after `since`, oldest first, as the text written to sockets. Empty when not recovered. */
  readonly frames: readonly string[];
}

/**
 * The edge's bounded memory of the topic log: per topic its recent messages (count, age and a
 * byte budget for the whole edge), and for each topic the offset from which what it holds is
 * complete. Filled by the topic feed, read by subscriptions.
 */
export interface TopicHistoryView {
  /** False until the feed has read the log up to where it was at the start (the history is loaded). */
  readonly ready: boolean;
  /** The log's epoch; empty until ready. */
  readonly epoch: string;
  /** The position a fresh subscriber of any topic starts from: the offset of the last record read, and the epoch. */
  position(): TopicPosition;
  /**
   * The topic's messages after `since`: `recovered: false` when the epoch differs, `since` is ahead
   * of the log (another log instance), or the history no longer reaches back to it.
   */
  recover(topic: string, since: TopicPosition): Recovery;
}
