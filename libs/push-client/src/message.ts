import {
  AccountId,
  checkCreatedAt,
  createdAtProblem,
  MAX_PAYLOAD_DEPTH,
  nestsDeeperThan,
  ProtocolValidationError,
  PushTarget,
  Validator,
  Validators,
  type PushMessage,
} from '@pushwire/protocol';
import { PushClientError } from './errors';
import type { ResolvedOptions, SendOptions } from './options';

const targetValidator = new Validator(PushTarget, 'push target');
const accountIdValidator = new Validator(AccountId, 'account id');

/**
 * A target must name its account and its device id, both valid: a bad or missing one (a JavaScript
 * caller passing a bare device id, say) is the caller's `invalid_message`, never a registry's or an
 * edge's 400, and never a device id sent out alone.
 */
export function assertTarget(target: PushTarget): void {
  validate(() => targetValidator.decode(target), 'target');
}

export function assertAccountId(accountId: string): void {
  validate(() => accountIdValidator.decode(accountId), 'accountId');
}

/**
 * Builds the PushMessage of one send (direct, to an account, or enqueued) and validates it against
 * the protocol schema before anything goes on the wire, so a bad id or TTL is the caller's
 * `invalid_message` and never an edge's 400 or a dead-lettered record.
 */
export function buildMessage(
  payload: unknown,
  opts: SendOptions | undefined,
  options: Pick<ResolvedOptions, 'now' | 'newId'>,
): PushMessage {
  assertJson(payload);
  const now = options.now();
  const createdAt = opts?.createdAt ?? now;
  const verdict = checkCreatedAt(createdAt, now);
  if (verdict !== 'ok')
    throw new PushClientError('invalid_message', `invalid push message: ${createdAtProblem(verdict, createdAt, now)}`, false);
  const message: PushMessage = {
    id: opts?.id ?? options.newId(),
    payload,
    createdAt,
    ...(opts?.priority !== undefined ? { priority: opts.priority } : {}),
    ...(opts?.ttlSeconds !== undefined ? { ttlSeconds: opts.ttlSeconds } : {}),
    ...(opts?.ack ? { ackRequired: true } : {}),
  };
  validate(() => Validators.pushMessage.decode(message), 'message');
  return message;
}

/** Runs a protocol validator and turns its failure into the caller's non-retriable `invalid_message`. */
export function validate(check: () => unknown, what: string): void {
  try {
    check();
  } catch (e) {
    // The validator's message names the field (e.g. "invalid push message: /ttlSeconds Expected …").
    const detail = e instanceof ProtocolValidationError ? e.message : `invalid ${what}: ${String(e)}`;
    throw new PushClientError('invalid_message', detail, false, { cause: e });
  }
}

/**
 * The schema accepts any payload value (at most MAX_PAYLOAD_DEPTH deep), but it travels as JSON: `undefined` would vanish from the
 * body and a BigInt or a cycle would make the HTTP call throw, which would look like an unreachable
 * edge. Serializing once here costs a little and turns those into the caller's error.
 */
export function assertJson(payload: unknown): void {
  // Checked first: encoding a value nested thousands deep overflows the stack.
  if (nestsDeeperThan(payload, MAX_PAYLOAD_DEPTH)) {
    throw new PushClientError(
      'invalid_message',
      `invalid push message: /payload nests arrays and objects deeper than ${MAX_PAYLOAD_DEPTH} levels`,
      false,
    );
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (e) {
    throw new PushClientError(
      'invalid_message',
      `invalid push message: /payload is not JSON-serializable: ${(e as Error).message}`,
      false,
      { cause: e },
    );
  }
  if (text === undefined) {
    throw new PushClientError('invalid_message', `invalid push message: /payload must be a JSON value, got ${typeof payload}`, false);
  }
}
