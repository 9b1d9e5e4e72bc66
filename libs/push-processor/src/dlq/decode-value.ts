import type { TSchema, Static } from '@sinclair/typebox';
import { parseJson, ProtocolValidationError, type Validator } from '@pushwire/protocol';

/** A record value decoded with `validator`, or undefined when it is not JSON or not of that shape. */
export function decodeValue<S extends TSchema>(validator: Validator<S>, value: string): Static<S> | undefined {
  try {
    return validator.decode(parseJson(value, 'value'));
  } catch (e) {
    if (e instanceof ProtocolValidationError) return undefined;
    throw e;
  }
}
