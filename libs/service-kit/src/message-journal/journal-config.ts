import { int, type ConfigOf } from '../config';
import { MessageJournal } from './message-journal';

/** The journal's bounds, spread into each service's config spec (PUSHWIRE_JOURNAL_*). */
export const journalConfigSpec = {
  journalMaxMessages: int({
    env: 'PUSHWIRE_JOURNAL_MAX_MESSAGES',
    default: 100_000,
    min: 0,
    max: 10_000_000,
    description: 'Messages whose life this process remembers for GET /v1/messages/:id/events and pushctl trace (0: none).',
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
  return new MessageJournal({ maxMessages: config.journalMaxMessages, maxAgeMs: config.journalMaxAgeSeconds * 1000 });
}
