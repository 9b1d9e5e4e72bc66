import type { TSchema } from '@sinclair/typebox';
import { parseJson, ProtocolValidationError, Validator, type Refinement } from '../validation';
import { ClientFrameSchemas, ServerFrameSchemas, type ClientFrame, type ServerFrame } from './device-frames';
import { payloadsWithinDepth } from './payload-depth';

type FrameSchemas = Record<string, TSchema>;

/** The frames that carry an application payload, held to MAX_PAYLOAD_DEPTH. */
const FRAMES_WITH_PAYLOAD = new Set(['d2d.send', 'push', 'd2d.message', 'topic.message', 'broadcast']);
const framePayload: Refinement<unknown> = payloadsWithinDepth((frame: unknown) => [['/payload', (frame as { payload: unknown }).payload]]);

/**
 * Decodes frames of one direction: picks the schema by `type` so errors say what was wrong. The text
 * may nest at most MAX_JSON_DEPTH levels, a payload in it MAX_PAYLOAD_DEPTH.
 */
class FrameDecoder<F> {
  private readonly validators = new Map<string, Validator<TSchema>>();
  constructor(
    schemas: FrameSchemas,
    private readonly direction: string,
  ) {
    for (const [type, schema] of Object.entries(schemas))
      this.validators.set(type, new Validator(schema, `${type} frame`, FRAMES_WITH_PAYLOAD.has(type) ? framePayload : undefined));
  }

  /** Decodes a parsed value; throws ProtocolValidationError. */
  decodeValue(value: unknown): F {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ProtocolValidationError('invalid_frame', `a ${this.direction} frame must be a JSON object`);
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string') {
      throw new ProtocolValidationError('invalid_frame', 'frame has no string "type"', [{ path: '/type', message: 'required string' }]);
    }
    const validator = this.validators.get(type);
    if (!validator) {
      throw new ProtocolValidationError('unknown_type', `unknown ${this.direction} frame type "${type.slice(0, 40)}"`);
    }
    return validator.decode(value) as F;
  }

  /** Parses and decodes one text frame; throws ProtocolValidationError. */
  decode(text: string): F {
    return this.decodeValue(parseJson(text, 'frame'));
  }
}

const clientFrames = new FrameDecoder<ClientFrame>(ClientFrameSchemas, 'device');
const serverFrames = new FrameDecoder<ServerFrame>(ServerFrameSchemas, 'server');

/** Decodes a frame a device sent (edge side). Throws only ProtocolValidationError. */
export const decodeClientFrame = (text: string): ClientFrame => clientFrames.decode(text);
/** Decodes a frame the server sent (device SDK side). Throws only ProtocolValidationError. */
export const decodeServerFrame = (text: string): ServerFrame => serverFrames.decode(text);
export const decodeServerFrameValue = (value: unknown): ServerFrame => serverFrames.decodeValue(value);

/** Serialises a frame. Kept as one function so every writer produces the same bytes. */
export const encodeFrame = (frame: ServerFrame | ClientFrame): string => JSON.stringify(frame);
