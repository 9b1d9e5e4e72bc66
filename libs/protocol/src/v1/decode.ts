import type { TSchema } from '@sinclair/typebox';
import { Validator } from '../validation';
import { parseJson } from '../validation-error';
import { ClientFrameSchemas, ServerFrameSchemas, type ClientFrame, type ServerFrame } from './device-frames';
import { FRAMES_WITH_PAYLOAD, framePayload, frameTypeOf } from './frame-type';

type FrameSchemas = Record<string, TSchema>;

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
    const type = frameTypeOf(value, this.direction, (t) => this.validators.has(t));
    return this.validators.get(type)!.decode(value) as F;
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
