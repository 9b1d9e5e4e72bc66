import type { Check } from '../checks';
import { parseJson, ProtocolValidationError } from '../validation-error';
import type { ClientFrame, ServerFrame } from './device-frames';
import { ClientFrameChecks, ServerFrameChecks } from './frame-checks';
import { FRAMES_WITH_PAYLOAD, framePayload, frameTypeOf } from './frame-type';

// The schema-free twin of decode.ts, for the device SDK (no eval, no TypeBox in a browser bundle):
// accepts exactly the frames decodeServerFrame accepts and fails with the same codes.

/**
 * Largest server frame the SDK reads by default, in UTF-16 code units: well above any frame an edge
 * sends with its default PUSHWIRE_MAX_MESSAGE_BYTES (64 KB), and above a device list of a few
 * thousand devices; a bound so that a broken or hostile peer cannot make the device parse megabytes.
 */
export const DEFAULT_MAX_SERVER_FRAME_CHARS = 1024 * 1024;

const has = (checks: Record<string, Check>) => (type: string) => Object.prototype.hasOwnProperty.call(checks, type);
const isServerType = has(ServerFrameChecks);
const isClientType = has(ClientFrameChecks);

function checkFrame(value: unknown, direction: string, checks: Record<string, Check>, known: (type: string) => boolean): void {
  const type = frameTypeOf(value, direction, known);
  const found = checks[type]!(value, '') ?? (FRAMES_WITH_PAYLOAD.has(type) ? framePayload(value) : undefined);
  if (found) throw new ProtocolValidationError('invalid_frame', `invalid ${type} frame: ${found.path} ${found.message}`, [found]);
}

/** Checks a parsed server frame; throws ProtocolValidationError like decodeServerFrameValue. */
export function readServerFrameValue(value: unknown): ServerFrame {
  checkFrame(value, 'server', ServerFrameChecks, isServerType);
  return value as ServerFrame;
}

/**
 * Parses and checks one text frame from the server; throws ProtocolValidationError like
 * decodeServerFrame, and `payload_too_large` for a text longer than `maxChars`.
 */
export function readServerFrame(text: string, maxChars = DEFAULT_MAX_SERVER_FRAME_CHARS): ServerFrame {
  if (text.length > maxChars) {
    throw new ProtocolValidationError('payload_too_large', `a server frame of ${text.length} characters is over the limit of ${maxChars}`);
  }
  return readServerFrameValue(parseJson(text, 'frame'));
}

/**
 * Checks a frame a device is about to send as the edge will read it (after JSON encoding, which
 * drops `undefined`); throws ProtocolValidationError like decodeClientFrame.
 */
export function checkClientFrame(frame: ClientFrame): void {
  checkFrame(parseJson(encodeFrame(frame), 'frame'), 'device', ClientFrameChecks, isClientType);
}

/** Serialises a frame. Kept as one function so every writer produces the same bytes. */
export const encodeFrame = (frame: ServerFrame | ClientFrame): string => JSON.stringify(frame);
