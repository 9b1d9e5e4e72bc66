import { Type, type Static } from '@sinclair/typebox';
import { AccountId, DeviceId, EpochMillis, MessageId, type DeviceRef } from './ids';
import type { OutcomeStatus } from './push-queue';

/**
 * The stages of a message's life a service records in its journal (docs/architecture.md, "Message
 * journal"), a closed set so `pushctl trace` can read any service's answer:
 * - `accepted`: appended to a push-request topic (the processor's POST /v1/push-requests, or a push
 *   client's `enqueue` inside a service);
 * - `dequeued`: the processor read it from its request topic;
 * - `routed`: a sender's delivery attempt was answered — the edge it went to, or `not_connected`
 *   (detail: status, edgeId, attempt);
 * - `stored`: written to its device's inbox (the registry); `collapsed`: replaced there, or in a
 *   batch, by a newer message with its collapse key;
 * - `written`: an edge wrote its frame to the device's socket; `not_written`: an edge answered a
 *   delivery without writing it (detail: status — gone, not_connected, backpressure, expired, rejected);
 * - `acknowledged` / `ack_timeout`: the device acked it, or did not in time (the edge);
 * - `removed`: taken out of the inbox after its delivery (the registry);
 * - final outcomes: `delivered` (detail status `delivered` or `acknowledged`), `expired`,
 *   `dead_lettered`, `failed` (any other final status: rejected, forbidden, overflow, ack_timeout …);
 */
export const JOURNAL_STAGES = [
  'accepted',
  'dequeued',
  'routed',
  'stored',
  'collapsed',
  'written',
  'not_written',
  'acknowledged',
  'ack_timeout',
  'removed',
  'delivered',
  'expired',
  'dead_lettered',
  'failed',
] as const;
export type JournalStage = (typeof JOURNAL_STAGES)[number];

/** A few small facts of one event (status, edge id, attempt, reason): flat, short strings, numbers and booleans. */
export const JournalDetail = Type.Record(Type.String({ maxLength: 32 }), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));
export type JournalDetail = Static<typeof JournalDetail>;

/** One thing that happened to a message in one service. */
export const JournalEvent = Type.Object(
  {
    messageId: MessageId,
    stage: Type.Union(JOURNAL_STAGES.map((s) => Type.Literal(s))),
    /** The service that recorded it: edge, registry, processor, device-list … */
    service: Type.String({ maxLength: 64 }),
    at: EpochMillis,
    accountId: Type.Optional(AccountId),
    deviceId: Type.Optional(DeviceId),
    detail: Type.Optional(JournalDetail),
    /** The OpenTelemetry trace id active when it was recorded, if any. */
    traceId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
  },
  { additionalProperties: false },
);
export type JournalEvent = Static<typeof JournalEvent>;

/** `GET /v1/messages/:messageId/events`: what one service process remembers of a message, in the order it recorded it. */
export const MessageEventsResponse = Type.Object(
  { service: Type.String(), events: Type.Array(JournalEvent) },
  { additionalProperties: false },
);
export type MessageEventsResponse = Static<typeof MessageEventsResponse>;

/** The path parameters of `GET /v1/messages/:messageId/events`. */
export const MessageEventsParams = Type.Object({ messageId: MessageId }, { additionalProperties: false });

/** The journal stage of a message's final outcome: `delivered` (also when acknowledged), `expired`, `collapsed`, else `failed`. */
export function finalStage(status: OutcomeStatus): JournalStage {
  switch (status) {
    case 'delivered':
    case 'acknowledged':
      return 'delivered';
    case 'expired':
    case 'collapsed':
    case 'stored':
      return status;
    default:
      return 'failed';
  }
}

/** What a call site may pass as detail: undefined values are left out. */
export type DetailInput = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Records events of one service into its process's message journal (`MessageJournal` in
 * service-kit): what lifecycle code calls, one line per point. Defined here so a client library
 * (the push client) can take one without depending on the service plumbing.
 */
export interface JournalRecorder {
  /** Records that `stage` happened to message `messageId` (of `target`, when known) at `at` (default now). Never throws. */
  record(stage: JournalStage, messageId: string, target?: Partial<DeviceRef>, detail?: DetailInput, at?: number): void;
}
