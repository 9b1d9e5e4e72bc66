import type { TemplatedApp } from '@pushwire/uws';
import { Phase, type Connection } from '../connection';
import { sendFrame, SendOutcome } from '../transport';
import type { LocalSubscribers } from './local-subscribers';
import type { TopicFanout } from './topic-fanout';

/**
 * The edge's TopicFanout: WebSocket subscribers through uWS's native pub/sub — one
 * `app.publish(topic, frame)` writes the frame to every subscribed socket in C++, ordered with the
 * sockets' own sends — and SSE subscribers one by one through the SSE write path. A broadcast is
 * one publish per device type seen on this edge (`$type:<type>`, which every WebSocket joined at
 * open) plus the SSE streams of those types.
 *
 * uWS skips (drops for) a socket whose send buffer is over maxBackpressure (the device port's
 * 64 MiB); topic messages are at most once, and the sweeper closes such a slow consumer anyway.
 */
export class LocalTopicFanout implements TopicFanout {
  constructor(
    /** The device port's uWS app; undefined before the edge listens (then only SSE streams are written). */
    private readonly app: () => TemplatedApp | undefined,
    private readonly subscribers: LocalSubscribers,
  ) {}

  publish(topic: string, frame: string): number {
    const app = this.app();
    let n = app ? publishTo(app, topic, frame) : 0;
    const sse = this.subscribers.sseSubscribers(topic);
    if (sse) for (const c of sse) n += writeSse(c, frame);
    return n;
  }

  broadcast(frame: string, deviceTypes: readonly string[] | undefined): number {
    let n = 0;
    const app = this.app();
    if (app) for (const topic of this.subscribers.broadcastTopics(deviceTypes)) n += publishTo(app, topic, frame);
    for (const c of this.subscribers.sseOfTypes(deviceTypes)) n += writeSse(c, frame);
    return n;
  }
}

/**
 * Writes the frame to the WebSockets subscribed to a uWS topic; how many there were. numSubscribers
 * is a lookup in the topic tree, read before the publish, which cannot fail a subscriber.
 */
function publishTo(app: TemplatedApp, topic: string, frame: string): number {
  const subscribers = app.numSubscribers(topic);
  if (subscribers > 0) app.publish(topic, frame, false, false);
  return subscribers;
}

/** 1 when the frame went to the stream (written or queued), 0 when the connection is gone. */
function writeSse(c: Connection, frame: string): number {
  if (c.phase === Phase.Closed) return 0;
  return sendFrame(c, frame) === SendOutcome.Dropped ? 0 : 1;
}
