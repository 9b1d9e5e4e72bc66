import { int, removed, type ConfigOf } from '../config';
import { DEFAULT_JOURNAL_MAX_BYTES, MessageJournal } from './message-journal';

/** The journal's bounds, spread into each service's config spec (PUSHWIRE_JOURNAL_*). */
export const journalConfigSpec = {
  journalMaxBytes: int({
    env: 'PUSHWIRE_JOURNAL_MAX_BYTES',
    default: DEFAULT_JOURNAL_MAX_BYTES,
    min: 0,
    max: 2 ** 32,
    description:
      'Bytes of message events this process keeps for GET /v1/messages/:id/events and pushctl trace, outside the JS heap ' +
      '(64 MiB by default: over 100,000 messages at 2–3 events each; it keeps the newest half to all of it; 0: none).',
  }),
  journalMaxMessages: removed({
    env: 'PUSHWIRE_JOURNAL_MAX_MESSAGES',
    description: 'the journal is bounded in bytes now: set PUSHWIRE_JOURNAL_MAX_BYTES instead (0 still turns it off)',
  }),
  journalMaxAgeSeconds: int({
    env: 'PUSHWIRE_JOURNAL_MAX_AGE_SECONDS',
    default: 900,
    min: 1,
    max: 7 * 24 * 3600,
    description: 'A message with no event for this long is forgotten by the message journal.',
  }),
} as const;

/** A process's journal with the configured bounds. */
export function journalFromConfig(config: ConfigOf<typeof journalConfigSpec>): MessageJournal {
  return new MessageJournal({ maxBytes: config.journalMaxBytes, maxAgeMs: config.journalMaxAgeSeconds * 1000 });
}
