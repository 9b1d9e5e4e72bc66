import type { Refinement } from '../validation-error';
import { ProtocolValidationError } from '../validation-error';
import { payloadsWithinDepth } from './payload-depth';

/** The frames that carry an application payload, held to MAX_PAYLOAD_DEPTH. */
export const FRAMES_WITH_PAYLOAD: ReadonlySet<string> = new Set(['d2d.send', 'push', 'd2d.message', 'topic.message', 'broadcast']);
/** The refinement of those frames: their payload nests at most MAX_PAYLOAD_DEPTH levels. */
export const framePayload: Refinement<unknown> = payloadsWithinDepth((frame: unknown) => [
  ['/payload', (frame as { payload: unknown }).payload],
]);

/**
 * The `type` of a parsed frame of one direction ('device' or 'server'), for picking its validator;
 * throws ProtocolValidationError when `value` is not an object with a string `type` that `known` has.
 * Shared by the TypeBox decoders and the schema-free reader, so both fail alike.
 */
export function frameTypeOf(value: unknown, direction: string, known: (type: string) => boolean): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolValidationError('invalid_frame', `a ${direction} frame must be a JSON object`);
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    throw new ProtocolValidationError('invalid_frame', 'frame has no string "type"', [{ path: '/type', message: 'required string' }]);
  }
  if (!known(type)) throw new ProtocolValidationError('unknown_type', `unknown ${direction} frame type "${type.slice(0, 40)}"`);
  return type;
}
