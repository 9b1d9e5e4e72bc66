import type { DeviceRef, JournalDetail, JournalEvent, JournalStage } from '@pushwire/protocol';
import { activeTraceId } from './active-trace';

/** Bounds of a MessageJournal: it forgets the least recently active message past either. */
export interface MessageJournalOptions {
  /** Messages remembered at most (default 100,000). */
  readonly maxMessages?: number;
  /** A message with no event for this long is forgotten (default 15 minutes). */
  readonly maxAgeMs?: number;
  /** Events kept per message; later ones are dropped (a message retried for hours stays small). Default 32. */
  readonly maxEventsPerMessage?: number;
  readonly now?: () => number;
  /** The trace id to stamp on an event; default the active OpenTelemetry span's. */
  readonly traceId?: () => string | undefined;
}

/** Records events of one service into a journal: what lifecycle code calls, one line per point. */
export interface JournalRecorder {
  /** Records that `stage` happened to message `messageId` (of `target`, when known) at `at` (default now). Never throws. */
  record(stage: JournalStage, messageId: string, target?: Partial<DeviceRef>, detail?: DetailInput, at?: number): void;
}

/** What a call site may pass as detail: undefined values are left out. */
export type DetailInput = Readonly<Record<string, string | number | boolean | undefined>>;

/** A recorder that records nothing: for code built without a journal. */
export const NO_JOURNAL: JournalRecorder = { record: () => undefined };

/** Detail strings are cut to this length: a journal holds facts, not payloads or stack traces. */
const MAX_DETAIL_STRING = 200;
const MAX_DETAIL_KEYS = 8;

interface Life {
  lastAt: number;
  events: JournalEvent[];
}

/**
 * What this process saw happen to each message, kept in memory for `GET /v1/messages/:id/events`
 * and `pushctl trace` (docs/architecture.md, change 31). Bounded in messages, in age and in events
 * per message: the map is in order of last activity (an event moves its message to the end), so
 * the oldest are at the head and each record evicts from there — O(1) amortized, no timer, no scan.
 */
export class MessageJournal {
  private readonly lives = new Map<string, Life>();
  private readonly maxMessages: number;
  private readonly maxAgeMs: number;
  private readonly maxEvents: number;
  private readonly now: () => number;
  private readonly traceId: () => string | undefined;

  constructor(opts: MessageJournalOptions = {}) {
    this.maxMessages = opts.maxMessages ?? 100_000;
    this.maxAgeMs = opts.maxAgeMs ?? 15 * 60_000;
    this.maxEvents = opts.maxEventsPerMessage ?? 32;
    this.now = opts.now ?? Date.now;
    this.traceId = opts.traceId ?? activeTraceId;
  }

  /** Messages remembered now. */
  get size(): number {
    return this.lives.size;
  }

  /** Records one event (its `at` defaults to now, its trace id to the active span's). */
  record(event: Omit<JournalEvent, 'at' | 'detail'> & { at?: number; detail?: DetailInput }): void {
    if (this.maxMessages === 0) return;
    const at = event.at ?? this.now();
    this.evictIdle(at);
    let life = this.lives.get(event.messageId);
    if (life)
      this.lives.delete(event.messageId); // re-inserted below: last activity order
    else life = { lastAt: at, events: [] };
    life.lastAt = at;
    this.lives.set(event.messageId, life);
    if (this.lives.size > this.maxMessages) this.lives.delete(this.lives.keys().next().value!);
    if (life.events.length >= this.maxEvents) return;
    const traceId = event.traceId ?? this.traceId();
    life.events.push({
      messageId: event.messageId,
      stage: event.stage,
      service: event.service,
      at,
      ...(event.accountId !== undefined ? { accountId: event.accountId } : {}),
      ...(event.deviceId !== undefined ? { deviceId: event.deviceId } : {}),
      ...(event.detail !== undefined ? { detail: smallDetail(event.detail) } : {}),
      ...(traceId !== undefined ? { traceId } : {}),
    });
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
        this.record({
          ...(at !== undefined ? { at } : {}),
          messageId,
          stage,
          service,
          ...(target?.accountId !== undefined ? { accountId: target.accountId } : {}),
          ...(target?.deviceId !== undefined ? { deviceId: target.deviceId } : {}),
          ...(detail !== undefined ? { detail } : {}),
        }),
    };
  }

  /** Forgets the messages idle past the age bound: they are at the head of the map. */
  private evictIdle(now: number): void {
    const oldest = now - this.maxAgeMs;
    for (const [id, life] of this.lives) {
      if (life.lastAt > oldest) return;
      this.lives.delete(id);
    }
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
