import type { PushTarget } from '@pushwire/protocol';
import { required } from './cli';

/**
 * The account `--device D` is a device of when no `--account A` is given: `a1`, the account the
 * README's examples connect their devices to (`pushctl listen --account a1 …`), so they work as written.
 */
export const DEFAULT_ACCOUNT = 'a1';

/** How `--device` and `--account` name a device, for a command's usage text. */
export const DEVICE_USAGE = `--device D names device D of account A (--account A; default ${DEFAULT_ACCOUNT}, the README's account): a device id means something only inside its account.`;

/** The device `--device` names, in the account `--account` names (default DEFAULT_ACCOUNT). */
export function deviceTarget(values: Record<string, unknown>): PushTarget {
  const account = values['account'];
  return { accountId: typeof account === 'string' ? account : DEFAULT_ACCOUNT, deviceId: required(values, 'device') };
}
