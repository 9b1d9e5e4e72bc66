import { DEFAULT_INBOX_MAX_BYTES, DEFAULT_INBOX_MAX_MESSAGES } from '@pushwire/protocol';
import { int } from '@pushwire/service-kit';

/**
 * The inbox's bounds per device, read by the registry and by the all-in-one (which keeps the inbox
 * in-process) from the same keys.
 */
export const inboxLimitsConfigSpec = {
  /** Pending messages one device's inbox holds at most. Default 100. */
  inboxMaxMessages: int({
    env: 'PUSHWIRE_INBOX_MAX_MESSAGES',
    default: DEFAULT_INBOX_MAX_MESSAGES,
    min: 1,
    max: 10_000,
    description: "Pending messages one device's inbox holds at most; a message past it ends as overflow.",
  }),
  /** Bytes of payload JSON one device's inbox holds at most. Default 1 MiB. */
  inboxMaxBytes: int({
    env: 'PUSHWIRE_INBOX_MAX_BYTES',
    default: DEFAULT_INBOX_MAX_BYTES,
    min: 1,
    max: 1024 * 1024 * 1024,
    description: "Bytes of payload JSON one device's inbox holds at most; a message past it ends as overflow.",
  }),
};
