import type { EventBus, EventLog, RecordPosition } from '@pushwire/event-bus/core';
import {
  BROADCAST_RECORD_KEY,
  DEFAULT_TOPIC_TTL_SECONDS,
  TOPIC_LOG,
  topicEpochOf,
  topicOffsetOfRecord,
  BroadcastRecord,
  TopicPublishRecord,
  Validator,
  type BroadcastResult,
  type Priority,
  type PublishResult,
  type TopicLogRecord,
} from '@pushwire/protocol';
import { PushClientError } from './errors';
import { assertJson, validate } from './message';
import type { ResolvedOptions } from './options';
import { payloadNeverFits } from './payload-limit';
import { deadlineOf, retryWithin } from './publish-retry';

// One validator per kind (not the log's union): its errors name the field (`/ttlSeconds`), a union's only `/`.
const topicRecord = new Validator(TopicPublishRecord, 'topic message');
const broadcastRecord = new Validator(BroadcastRecord, 'broadcast');

/** Options of `publish`: one message to every device subscribed to a topic. */
export interface PublishOptions {
  /** Message id; devices de-duplicate on it. Default: a generated UUID. */
  id?: string;
  /** How long edges keep it for devices recovering a gap (and deliver it at all). Default DEFAULT_TOPIC_TTL_SECONDS (300). */
  ttlSeconds?: number;
  /** Default normal. */
  priority?: Priority;
  /** How long to keep trying while the bus is down. Default: the client's `enqueueTimeoutMs` (10 000 ms). */
  timeoutMs?: number;
}

/** Options of `broadcast`: one message to every connected device, or to those of some device types. */
export interface BroadcastOptions {
  /** Message id; devices de-duplicate on it. Default: a generated UUID. */
  id?: string;
  /** Edges drop it once this many seconds passed since it was sent. Default DEFAULT_TOPIC_TTL_SECONDS (300). */
  ttlSeconds?: number;
  /** Only devices of these types (`tv`, `phone` …). Default: every device. */
  deviceTypes?: string[];
  /** How long to keep trying while the bus is down. Default: the client's `enqueueTimeoutMs` (10 000 ms). */
  timeoutMs?: number;
}

/** What publish/broadcast need of the bus: the topic log's append and id (EventLog) next to EventBus. */
export type TopicLogBus = EventBus & EventLog;

/** Whether the bus also implements EventLog (both of Pushwire's adapters do; older test fakes may not). */
export function isTopicLogBus(bus: EventBus): bus is TopicLogBus {
  const log = bus as Partial<EventLog>;
  return typeof log.append === 'function' && typeof log.logId === 'function' && typeof log.tail === 'function';
}

/**
 * Topic messages and broadcasts: each is one record appended to the topic log (TOPIC_LOG, one
 * partition, read in full by every edge), keyed by its topic (`$broadcast` for a broadcast). The
 * answer is the record's place in that log: topic offset = bus offset + 1, and the epoch derived
 * from the log's id (asked once, then cached: it names the log instance, which does not change
 * under a running client). Bus outages are ridden out within the deadline like `enqueue`.
 */
export class TopicPublisher {
  private logId: Promise<string> | undefined;

  constructor(
    private readonly bus: EventBus | undefined,
    private readonly options: Pick<ResolvedOptions, 'now' | 'newId' | 'enqueueTimeoutMs' | 'maxMessageBytes'>,
  ) {}

  async publish(topic: string, payload: unknown, opts?: PublishOptions): Promise<PublishResult> {
    const log = this.requireLog();
    const timeoutMs = this.timeoutOf(opts);
    this.assertPayload(payload);
    const record: TopicPublishRecord = {
      kind: 'topic',
      topic,
      id: opts?.id ?? this.options.newId(),
      payload,
      priority: opts?.priority ?? 'normal',
      sentAt: this.options.now(),
      ttlSeconds: opts?.ttlSeconds ?? DEFAULT_TOPIC_TTL_SECONDS,
    };
    validate(() => topicRecord.decode(record), 'topic message');
    const { offset, epoch } = await this.append(log, topic, record, timeoutMs, `topic message ${record.id} to topic ${topic}`);
    return { topic, id: record.id, offset, epoch };
  }

  async broadcast(payload: unknown, opts?: BroadcastOptions): Promise<BroadcastResult> {
    const log = this.requireLog();
    const timeoutMs = this.timeoutOf(opts);
    this.assertPayload(payload);
    const record: BroadcastRecord = {
      kind: 'broadcast',
      id: opts?.id ?? this.options.newId(),
      payload,
      ...(opts?.deviceTypes !== undefined ? { deviceTypes: opts.deviceTypes } : {}),
      sentAt: this.options.now(),
      ttlSeconds: opts?.ttlSeconds ?? DEFAULT_TOPIC_TTL_SECONDS,
    };
    validate(() => broadcastRecord.decode(record), 'broadcast');
    const { offset, epoch } = await this.append(log, BROADCAST_RECORD_KEY, record, timeoutMs, `broadcast ${record.id}`);
    return { id: record.id, offset, epoch };
  }

  /**
   * Appends within the deadline. The log id comes first (cached after one success), so a failure
   * asking it never follows a record already appended: a retry never writes one message twice.
   */
  private async append(
    log: TopicLogBus,
    key: string,
    record: TopicLogRecord,
    timeoutMs: number,
    what: string,
  ): Promise<{ offset: number; epoch: string }> {
    const value = JSON.stringify(record);
    const { logId, position } = await retryWithin(
      async () => {
        const logId = await this.logIdOf(log);
        const [position] = await log.append(TOPIC_LOG, [{ key, value }]);
        return { logId, position };
      },
      { timeoutMs, what: `appending ${what} to ${TOPIC_LOG}`, deadline: 'publish deadline' },
    );
    return { offset: topicOffsetOfRecord(assertPosition(position).offset), epoch: topicEpochOf(logId) };
  }

  private logIdOf(log: TopicLogBus): Promise<string> {
    if (!this.logId) {
      const asked = log.logId();
      this.logId = asked;
      asked.catch(() => {
        if (this.logId === asked) this.logId = undefined; // ask again next time
      });
    }
    return this.logId;
  }

  /** JSON, not too deep (assertJson), and small enough for a device frame: else the edges could never deliver it. */
  private assertPayload(payload: unknown): void {
    assertJson(payload);
    const tooLarge = payloadNeverFits(payload, this.options.maxMessageBytes);
    if (tooLarge) throw new PushClientError('invalid_message', `invalid topic message: /payload: ${tooLarge}`, false);
  }

  /** The call's deadline, or the client's; a bad one is the caller's error, never a bus outage. */
  private timeoutOf(opts: { timeoutMs?: number } | undefined): number {
    return deadlineOf('timeoutMs', opts?.timeoutMs ?? this.options.enqueueTimeoutMs);
  }

  private requireLog(): TopicLogBus {
    if (!this.bus)
      throw new PushClientError(
        'not_configured',
        'publish and broadcast need an event bus: create the PushClient with `bus` (a KafkaEventBus in a cluster)',
        false,
      );
    if (!isTopicLogBus(this.bus))
      throw new PushClientError(
        'not_configured',
        'publish and broadcast append to the topic log: the PushClient `bus` must implement EventLog (append, logId, tail), as KafkaEventBus and MemoryEventBus do',
        false,
      );
    return this.bus;
  }
}

/**
 * The one position of a one-record append. An adapter answering none is a bug, not an outage; a
 * record in another partition than 0 means the topic log was created with several partitions
 * (edges refuse to read such a log): its offset means nothing, and saying so beats answering it.
 */
function assertPosition(position: RecordPosition | undefined): RecordPosition {
  if (!position) throw new Error(`the event bus appended to ${TOPIC_LOG} without saying where`);
  if (position.partition !== 0)
    throw new PushClientError(
      'unavailable',
      `${TOPIC_LOG} has more than one partition (the record landed in partition ${position.partition}): recreate it with one`,
      false,
    );
  return position;
}
