import type { PushwireError } from '@pushwire/protocol';

/** Socket error codes of a connection that never opened: the store request was never sent. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether a failed inbox store may nonetheless have stored its entry ("maybe stored"). A timeout,
 * a connection lost mid-call or a 5xx (the registry's own store call may have timed out after
 * DynamoDB applied the write) leaves it open: the registry may have committed and answered too
 * late. Only a refusal it gave (4xx) or a connection that never opened means certainly not stored.
 */
export function mayHaveStored(err: PushwireError): boolean {
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number') return status >= 500;
  return !neverSent(err.cause);
}

function neverSent(cause: unknown, depth = 0): boolean {
  if (!cause || typeof cause !== 'object' || depth > 4) return false;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && NEVER_SENT.has(code)) return true;
  // Node's happy-eyeballs connect fails with an AggregateError of one error per address tried.
  if (cause instanceof AggregateError) return cause.errors.length > 0 && cause.errors.every((e) => neverSent(e, depth + 1));
  return neverSent((cause as { cause?: unknown }).cause, depth + 1);
}
