import { CloseCode, DELIVERY_STATUSES, ErrorCodes } from '@pushwire/protocol';
import type { HttpAnswer } from './wire/http-response';
import type { Exchange } from './wire/raw-exchange';
import type { WsEnd } from './wire/raw-ws';

/**
 * What counts as a typed answer to hostile input. An attacker may be refused in four ways: an HTTP
 * status with the catalogue's JSON error body, a WebSocket close code from the catalogue, or the
 * socket closed. Never an HTML page, never a body the catalogue does not know, never a 500 (bad
 * input is the client's fault, not an internal error), never silence past the bound.
 */

/** The JSON error body every service answers failures with (`{"error":{"code","message","retriable"}}`). */
export interface ErrorBodyShape {
  readonly error: { readonly code: string; readonly message: string; readonly retriable: boolean };
}

/** Whether `body` is the catalogue's error body with a known code. */
export function isErrorBody(body: unknown): body is ErrorBodyShape {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const e = (body as { error: unknown }).error;
  if (typeof e !== 'object' || e === null) return false;
  const { code, message, retriable } = e as Record<string, unknown>;
  return typeof code === 'string' && code in ErrorCodes && typeof message === 'string' && typeof retriable === 'boolean';
}

/** A delivery result (`POST /v1/deliver` answers 404 `not_connected`, 410 `gone` … with one). */
function isDeliveryResult(body: unknown): boolean {
  const status = (body as { status?: unknown } | null)?.status;
  return typeof status === 'string' && (DELIVERY_STATUSES as string[]).includes(status);
}

/** Parses a JSON body, or returns undefined. */
export function jsonOf(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Why `answer` is not a typed answer, or undefined when it is: 101 (an accepted upgrade), an
 * event stream, or JSON — an error body (or a delivery result) for every status from 400 on, and
 * no 500.
 */
export function httpAnswerProblem(answer: HttpAnswer): string | undefined {
  const type = answer.headers['content-type'] ?? '';
  const text = answer.body.toString('utf8');
  const shown = `${answer.status} ${type} ${JSON.stringify(text.slice(0, 160))}`;
  if (answer.status === 101 || answer.status === 204) return undefined;
  if (answer.status >= 200 && answer.status < 300 && type.startsWith('text/event-stream')) return undefined;
  if (answer.status === 500) return `500 internal error for client input: ${shown}`;
  if (/^\s*</.test(text) || type.includes('html')) return `an HTML answer: ${shown}`;
  if (!type.includes('application/json')) return `not JSON (content-type ${JSON.stringify(type)}): ${shown}`;
  const body = jsonOf(answer);
  if (body === undefined && answer.complete) return `a body that is not JSON: ${shown}`;
  if (answer.status >= 400 && !isErrorBody(body) && !isDeliveryResult(body)) return `an error answer without the JSON error body: ${shown}`;
  return undefined;
}

/**
 * Why a raw exchange did not end in a typed answer, or undefined when it did: an answered request
 * must pass `httpAnswerProblem`; a closed or reset socket is a refusal; silence, garbage and a
 * refused connection (the process is gone) are not.
 */
export function exchangeProblem(result: Exchange): string | undefined {
  switch (result.outcome) {
    case 'answered':
      return httpAnswerProblem(result.answer!);
    case 'closed':
    case 'reset':
      return undefined;
    case 'silent':
      return `no answer within ${result.elapsedMs} ms (received ${JSON.stringify(result.receivedText.slice(0, 120))})`;
    case 'garbage':
      return `bytes that are not HTTP: ${JSON.stringify(result.receivedText.slice(0, 120))}`;
    case 'refused':
      return `connection refused (${result.errorCode}): the process is not listening`;
  }
}

/** Close codes a device may see, from the catalogue, plus the RFC codes the edge's WebSocket layer uses. */
export const TYPED_CLOSE_CODES: ReadonlySet<number> = new Set([
  ...Object.values(CloseCode),
  1002, // protocol error (bad framing)
  1007, // invalid payload data (text that is not UTF-8)
]);

/** Why a WebSocket end is not typed, or undefined: a catalogue close code, or the socket dropped. */
export function wsEndProblem(end: WsEnd): string | undefined {
  if (!end.byFrame) return undefined;
  return TYPED_CLOSE_CODES.has(end.code) ? undefined : `close code ${end.code} (${end.reason}) is not in the catalogue`;
}

/**
 * A one-line summary of how an exchange ended, for comparing observed against expected behaviour:
 * `400 json-error`, `200 json`, `101`, `505 html`, `404 text`, `closed`, `reset`, `silent`, `refused`, `garbage`.
 */
export function describeExchange(result: Exchange): string {
  if (result.outcome !== 'answered') return result.outcome;
  const a = result.answer!;
  if (a.status === 101) return '101';
  const type = a.headers['content-type'] ?? '';
  if (type.startsWith('text/event-stream')) return `${a.status} event-stream`;
  const text = a.body.toString('utf8');
  if (type.includes('html') || /^\s*</.test(text)) return `${a.status} html`;
  const body = jsonOf(a);
  if (body === undefined) return `${a.status} ${text.length ? 'text' : 'empty'}`;
  return `${a.status} ${isErrorBody(body) ? 'json-error' : 'json'}`;
}
