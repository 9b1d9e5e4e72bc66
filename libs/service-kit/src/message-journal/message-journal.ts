import { ID_PATTERN, type DetailInput, type JournalEvent, type JournalRecorder, type JournalStage } from '@pushwire/protocol';
import { activeTraceId } from './active-trace';
import { decodeLine, encodeLine } from './journal-line';
import { SegmentLog } from './segment-log';

/** The default memory bound: 64 MiB, two segments of 32 MiB (an edge's event takes ~90 bytes: one segment holds ~380,000). */
export const DEFAULT_JOURNAL_MAX_BYTES = 64 * 2 ** 20;

/** Bounds of a MessageJournal. */
export interface MessageJournalOptions {
  /**
   * Bytes of events held at most (default 64 MiB; 0: the journal records nothing). It keeps the
   * newest events: at least half of this, at most all of it (it forgets the older half at once).
   */
  readonly maxBytes?: number;
  /** A message with no event for this long is forgotten (default 15 minutes). */
  readonly maxAgeMs?: number;
  /** Events answered per message, the first ones recorded (a message retried for hours stays short). Default 16. */
  readonly maxEventsPerMessage?: number;
  readonly now?: () => number;
  /** The trace id to stamp on an event; default the active OpenTelemetry span's. */
  readonly traceId?: () => string | undefined;
}

/** A recorder that records nothing: for code built without a journal. */
export const NO_JOURNAL: JournalRecorder = { record: () => undefined };

/** A message id the protocol would take (no tab, no newline: the log's delimiters); any other has no events. */
const ID = new RegExp(ID_PATTERN);

/** Services past this many distinct names are recorded as '?' (they are constants in code: a handful). */
const MAX_SERVICES = 256;

/**
 * What this process saw happen to each message, kept in memory for `GET /v1/messages/:id/events`
 * and `pushctl trace` (docs/architecture.md, change 34). Each event is one short text line appended
 * to a SegmentLog: two preallocated buffers outside the JS heap, the older forgotten whole when the
 * newer is full. Recording allocates only short-lived strings (no Map entry, no object kept per
 * message or event), so it costs the hot path no promotion and no old-generation GC; asking for a
 * message searches the buffers natively for its id and decodes only its lines, which is slower
 * (milliseconds) but is a debugging request, not a hot path.
 *
 * Bounded in bytes, in age (a message whose latest event is older than maxAgeMs is not answered)
 * and in events answered per message. Recorded ids are written as given: callers record ids the
 * protocol validated (ID_PATTERN has no tab or newline, the log's delimiters), so none is checked
 * again on the hot path.
 */
export class MessageJournal {
  private readonly log: SegmentLog | undefined;
  private readonly maxAgeMs: number;
  private readonly maxEvents: number;
  private readonly now: () => number;
  private readonly traceId: () => string | undefined;
  private readonly services: string[] = [];
  private readonly serviceCodes = new Map<string, number>();

  constructor(opts: MessageJournalOptions = {}) {
    const maxBytes = opts.maxBytes ?? DEFAULT_JOURNAL_MAX_BYTES;
    this.log = maxBytes > 0 ? new SegmentLog(Math.floor(maxBytes / 2)) : undefined;
    this.maxAgeMs = opts.maxAgeMs ?? 15 * 60_000;
    this.maxEvents = opts.maxEventsPerMessage ?? 16;
    this.now = opts.now ?? Date.now;
    this.traceId = opts.traceId ?? activeTraceId;
  }

  /** Bytes of events held now (0 when off). */
  get bytesUsed(): number {
    return this.log?.bytesUsed ?? 0;
  }

  /** Records one event (its `at` defaults to now, its trace id to the active span's). */
  record(event: Omit<JournalEvent, 'at' | 'detail'> & { at?: number; detail?: DetailInput }): void {
    const { messageId, stage, service, accountId, deviceId, detail, at, traceId } = event;
    this.add(this.serviceCode(service), stage, messageId, accountId, deviceId, detail, at, traceId);
  }

  /** The one path of every record: one line encoded and written, nothing kept on the heap. */
  private add(
    service: number,
    stage: JournalStage,
    messageId: string,
    accountId: string | undefined,
    deviceId: string | undefined,
    detail: DetailInput | undefined,
    at: number | undefined,
    traceId: string | undefined,
  ): void {
    if (this.log === undefined) return;
    const now = this.now();
    this.log.append(messageId, now, encodeLine(stage, service, accountId, deviceId, at, now, traceId ?? this.traceId(), detail));
  }

  /**
   * The events of `messageId` this process remembers, in the order they were recorded: the first
   * maxEventsPerMessage of them, none when its latest was recorded maxAgeMs ago or earlier. As
   * before the byte log, a message idle for maxAgeMs was forgotten: its events before such a gap
   * are left out.
   */
  eventsOf(messageId: string): JournalEvent[] {
    if (this.log === undefined || !ID.test(messageId)) return [];
    const events: JournalEvent[] = [];
    let lastAt = -Infinity;
    this.log.scan(messageId, (recordedAt, text) => {
      if (recordedAt - lastAt >= this.maxAgeMs) events.length = 0;
      lastAt = Math.max(lastAt, recordedAt);
      if (events.length >= this.maxEvents) return;
      const f = decodeLine(text, recordedAt, this.services);
      if (f === undefined) return;
      const event: JournalEvent = { messageId, stage: f.stage, service: f.service, at: f.at ?? recordedAt };
      if (f.accountId !== undefined) event.accountId = f.accountId;
      if (f.deviceId !== undefined) event.deviceId = f.deviceId;
      if (f.detail !== undefined) event.detail = f.detail;
      if (f.traceId !== undefined) event.traceId = f.traceId;
      events.push(event);
    });
    return lastAt <= this.now() - this.maxAgeMs ? [] : events;
  }

  /** A recorder that tags every event with `service` (the all-in-one gives each of its services one). */
  recorder(service: string): JournalRecorder {
    const code = this.serviceCode(service);
    return {
      record: (stage, messageId, target, detail, at) =>
        this.add(code, stage, messageId, target?.accountId, target?.deviceId, detail, at, undefined),
    };
  }

  /** The service's number in this journal's table (lines store the number, not the name). */
  private serviceCode(service: string): number {
    let code = this.serviceCodes.get(service);
    if (code === undefined) {
      if (this.services.length >= MAX_SERVICES) return MAX_SERVICES;
      code = this.services.push(service) - 1;
      this.serviceCodes.set(service, code);
    }
    return code;
  }
}
