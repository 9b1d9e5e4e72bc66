import type { DetailInput, JournalDetail, JournalEvent, JournalRecorder, JournalStage } from '@pushwire/protocol';
import { activeTraceId } from './active-trace';

/** Bounds of a MessageJournal: it forgets the least recently active message past either. */
export interface MessageJournalOptions {
  /** Messages remembered at most (default 100,000). */
  readonly maxMessages?: number;
  /** A message with no event for this long is forgotten (default 15 minutes). */
  readonly maxAgeMs?: number;
  /** Events kept per message; later ones are dropped (a message retried for hours stays small). Default 16. */
  readonly maxEventsPerMessage?: number;
  readonly now?: () => number;
  /** The trace id to stamp on an event; default the active OpenTelemetry span's. */
  readonly traceId?: () => string | undefined;
}

/** A recorder that records nothing: for code built without a journal. */
export const NO_JOURNAL: JournalRecorder = { record: () => undefined };

/** Detail strings are cut to this length: a journal holds facts, not payloads or stack traces. */
const MAX_DETAIL_STRING = 200;
const MAX_DETAIL_KEYS = 8;

/** One message's events, a node of the list in order of last activity. */
interface Life {
  readonly messageId: string;
  lastAt: number;
  readonly events: JournalEvent[];
  older: Life | undefined;
  newer: Life | undefined;
}

/**
 * What this process saw happen to each message, kept in memory for `GET /v1/messages/:id/events`
 * and `pushctl trace` (docs/architecture.md, change 31). Bounded in messages, in age and in events
 * per message. Messages are found by id in a Map and kept in a linked list in order of last
 * activity (an event moves its message to the newest end), so the oldest is always at hand and
 * each record evicts from there: O(1), no timer, no scan. (Not the Map's own order: V8 leaves a
 * hole for each deleted entry until it rehashes, so finding the first entry again and again after
 * deletes costs up to the table's size.)
 */
export class MessageJournal {
  private readonly lives = new Map<string, Life>();
  private oldest: Life | undefined;
  private newest: Life | undefined;
  private readonly maxMessages: number;
  private readonly maxAgeMs: number;
  private readonly maxEvents: number;
  private readonly now: () => number;
  private readonly traceId: () => string | undefined;

  constructor(opts: MessageJournalOptions = {}) {
    this.maxMessages = opts.maxMessages ?? 100_000;
    this.maxAgeMs = opts.maxAgeMs ?? 15 * 60_000;
    this.maxEvents = opts.maxEventsPerMessage ?? 16;
    this.now = opts.now ?? Date.now;
    this.traceId = opts.traceId ?? activeTraceId;
  }

  /** Messages remembered now. */
  get size(): number {
    return this.lives.size;
  }

  /** Records one event (its `at` defaults to now, its trace id to the active span's). */
  record(event: Omit<JournalEvent, 'at' | 'detail'> & { at?: number; detail?: DetailInput }): void {
    const { messageId, stage, service, accountId, deviceId, detail, at, traceId } = event;
    this.add(service, stage, messageId, accountId, deviceId, detail, at, traceId);
  }

  /** The one path of every record: no intermediate objects, it runs for every delivery. */
  private add(
    service: string,
    stage: JournalStage,
    messageId: string,
    accountId: string | undefined,
    deviceId: string | undefined,
    detail: DetailInput | undefined,
    at: number | undefined,
    traceId: string | undefined,
  ): void {
    if (this.maxMessages === 0) return;
    const now = this.now();
    this.evictIdle(now);
    let life = this.lives.get(messageId);
    if (life) this.unlink(life);
    else {
      life = { messageId, lastAt: now, events: [], older: undefined, newer: undefined };
      this.lives.set(messageId, life);
      if (this.lives.size > this.maxMessages) this.forget(this.oldest!);
    }
    life.lastAt = now;
    this.append(life);
    if (life.events.length >= this.maxEvents) return;
    const event: JournalEvent = { messageId, stage, service, at: at ?? now };
    if (accountId !== undefined) event.accountId = accountId;
    if (deviceId !== undefined) event.deviceId = deviceId;
    if (detail !== undefined) event.detail = smallDetail(detail);
    const trace = traceId ?? this.traceId();
    if (trace !== undefined) event.traceId = trace;
    life.events.push(event);
  }

  /** The events of `messageId` this process remembers, in the order they were recorded (a copy). */
  eventsOf(messageId: string): JournalEvent[] {
    const life = this.lives.get(messageId);
    if (!life || life.lastAt <= this.now() - this.maxAgeMs) return [];
    return [...life.events];
  }

  /** A recorder that tags every event with `service` (the all-in-one gives each of its services one). */
  recorder(service: string): JournalRecorder {
    return {
      record: (stage, messageId, target, detail, at) =>
        this.add(service, stage, messageId, target?.accountId, target?.deviceId, detail, at, undefined),
    };
  }

  /** Forgets the messages idle past the age bound: the oldest end of the list. */
  private evictIdle(now: number): void {
    const idleSince = now - this.maxAgeMs;
    while (this.oldest && this.oldest.lastAt <= idleSince) this.forget(this.oldest);
  }

  private forget(life: Life): void {
    this.unlink(life);
    this.lives.delete(life.messageId);
  }

  private unlink(life: Life): void {
    if (life.older) life.older.newer = life.newer;
    else this.oldest = life.newer;
    if (life.newer) life.newer.older = life.older;
    else this.newest = life.older;
    life.older = life.newer = undefined;
  }

  private append(life: Life): void {
    life.older = this.newest;
    if (this.newest) this.newest.newer = life;
    else this.oldest = life;
    this.newest = life;
  }
}

/** The detail as recorded: at most a few keys, strings cut short, undefined values left out. */
function smallDetail(detail: DetailInput): JournalDetail {
  const out: JournalDetail = {};
  let keys = 0;
  for (const key in detail) {
    const value = detail[key];
    if (value === undefined) continue;
    if (++keys > MAX_DETAIL_KEYS) break;
    out[key] = typeof value === 'string' && value.length > MAX_DETAIL_STRING ? `${value.slice(0, MAX_DETAIL_STRING)}…` : value;
  }
  return out;
}
