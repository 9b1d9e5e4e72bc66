import { Type, type Static } from '@sinclair/typebox';
import { MessageId } from './ids';
import { MAX_MESSAGE_TTL_SECONDS } from './internal-api';
import { DEAD_LETTER_REASONS, DeadLetterRecord } from './push-queue';

// The message processor's dead-letter API (what `pushctl dlq list|replay` calls): read
// `pushwire.push-dlq` and re-drive selected records to the topic they came from.

const strict = { additionalProperties: false } as const;

/** Most records one list or replay call selects. */
export const MAX_DLQ_SELECTION = 1000;
/** Records one list or replay call selects when it names no limit. */
export const DEFAULT_DLQ_SELECTION = 100;

const DlqReason = Type.Union(DEAD_LETTER_REASONS.map((r) => Type.Literal(r)));

/** Which dead letters: all of them, or those of one reason and/or these message ids; the oldest first, at most `limit`. */
export const DlqFilter = Type.Object(
  {
    reason: Type.Optional(DlqReason),
    messageId: Type.Optional(Type.Array(MessageId, { minItems: 1, maxItems: MAX_DLQ_SELECTION })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DLQ_SELECTION })),
  },
  strict,
);
export type DlqFilter = Static<typeof DlqFilter>;

/** GET /v1/dlq query (strings, as a URL carries them): `messageId` a comma-separated list, `limit` a whole number. */
export const DlqListQuery = Type.Object(
  {
    reason: Type.Optional(DlqReason),
    messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384, pattern: '^[A-Za-z0-9._:@-]+(,[A-Za-z0-9._:@-]+)*$' })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
  },
  strict,
);
export type DlqListQuery = Static<typeof DlqListQuery>;

/** One dead letter and where it sits in the dead-letter topic. */
export const DlqEntry = Type.Object({ partition: Type.Integer({ minimum: 0 }), offset: Type.String(), record: DeadLetterRecord }, strict);
export type DlqEntry = Static<typeof DlqEntry>;

/**
 * The selected dead letters. `scanned`: records read; `unreadable`: records of the topic that are
 * no dead-letter record (skipped); `complete`: false when the scan ran out of time before the end
 * of the topic (the list is then partial); `more`: the limit cut the selection short.
 */
export const DlqListResponse = Type.Object(
  {
    entries: Type.Array(DlqEntry),
    scanned: Type.Integer({ minimum: 0 }),
    unreadable: Type.Integer({ minimum: 0 }),
    complete: Type.Boolean(),
    more: Type.Boolean(),
  },
  strict,
);
export type DlqListResponse = Static<typeof DlqListResponse>;

/**
 * POST /v1/dlq/replay: the selected records go back to their source topic with their key. With
 * `ttlSeconds` a push request gets a fresh TTL (createdAt and enqueuedAt = now); without it, one
 * whose TTL has ended is skipped (it would only expire again). `dryRun`: say what would be replayed.
 * A replayed message keeps its id: one whose final outcome came from the inbox is not delivered
 * again (the inbox answers `duplicate`), and devices de-duplicate on it.
 */
export const DlqReplayRequest = Type.Object(
  {
    ...DlqFilter.properties,
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_TTL_SECONDS })),
    dryRun: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type DlqReplayRequest = Static<typeof DlqReplayRequest>;

/** A dead letter the replay took (or, on a dry run, would take) or skipped. */
export const DlqReplayItem = Type.Object(
  {
    partition: Type.Integer({ minimum: 0 }),
    offset: Type.String(),
    messageId: Type.Optional(MessageId),
    /** Where it went (or would go): its source topic. */
    topic: Type.String(),
    /** Why it was skipped. */
    skipped: Type.Optional(Type.String()),
  },
  strict,
);
export type DlqReplayItem = Static<typeof DlqReplayItem>;

export const DlqReplayResponse = Type.Object(
  {
    dryRun: Type.Boolean(),
    replayed: Type.Array(DlqReplayItem),
    skipped: Type.Array(DlqReplayItem),
    complete: Type.Boolean(),
    more: Type.Boolean(),
  },
  strict,
);
export type DlqReplayResponse = Static<typeof DlqReplayResponse>;
