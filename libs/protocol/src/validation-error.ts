import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth';
import { PushwireError, type PushwireErrorOptions } from './pushwire-error';
import type { ErrorCode } from './v1/codes';

// Schema-free (no TypeBox): the device SDK's browser bundle imports this through `core`.

/** One problem found in an input, with a JSON-pointer path. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/**
 * A rule JSON Schema cannot state, checked after the schema passed (e.g. how deep a payload nests):
 * the issue, or undefined when the value keeps to it.
 */
export type Refinement<T> = (value: T) => ValidationIssue | undefined;

/** The catalogue's codes a decoder fails with. */
export type ValidationErrorCode = Extract<ErrorCode, 'invalid_json' | 'invalid_frame' | 'unknown_type' | 'payload_too_large'>;

/**
 * The only error the decoders throw. `code` is one of the catalogue's error codes, so an edge can put
 * it straight into an `error` frame and an HTTP service into its JSON error body.
 */
export class ProtocolValidationError extends PushwireError<ValidationErrorCode> {
  override readonly name = 'ProtocolValidationError';
  constructor(
    code: ValidationErrorCode,
    message: string,
    readonly issues: ValidationIssue[] = [],
    options: PushwireErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/**
 * JSON.parse that throws ProtocolValidationError instead of SyntaxError: `invalid_json` for text
 * that is not JSON, `invalid_frame` for a document nested deeper than `maxDepth` (MAX_JSON_DEPTH:
 * every JSON input of every process is read through here or checked with the same limit).
 */
export function parseJson(text: string, what = 'JSON', maxDepth = MAX_JSON_DEPTH): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ProtocolValidationError('invalid_json', `${what} is not valid JSON: ${(e as Error).message}`, [], { cause: e });
  }
  if (nestsDeeperThan(value, maxDepth)) throw tooDeep(what, '/', maxDepth);
  return value;
}

/** The error for a document or a payload nested deeper than its limit. */
export function tooDeep(what: string, path: string, limit: number): ProtocolValidationError {
  const message = `nests arrays and objects deeper than ${limit} levels`;
  return new ProtocolValidationError('invalid_frame', `${what}: ${path} ${message}`, [{ path, message }]);
}
