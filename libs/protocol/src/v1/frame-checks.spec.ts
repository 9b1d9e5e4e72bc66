import type { TSchema } from '@sinclair/typebox';
import fc from 'fast-check';
import { ProtocolValidationError } from '../validation-error';
import { decodeClientFrame, decodeServerFrame } from './decode';
import { ClientFrameSchemas, ServerFrameSchemas } from './device-frames';
import { checkClientFrame, encodeFrame, readServerFrame } from './read-frames';

// The hand-written frame checks (no TypeBox, for the device SDK) against the TypeBox schemas as the
// oracle: on random frames, valid and invalid, both must accept the same ones and fail with the same code.

/** A JSON Schema keyword set as TypeBox emits it (the subset the device frames use). */
interface Schema {
  const?: unknown;
  anyOf?: Schema[];
  type?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
const oddKeys = ['__proto__', 'constructor', 'toString', 'extra', ''];

/** Anything at all, biased to what trips validators: wrong types, edges of ranges, odd keys, deep nesting. */
const wild: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, '', 0, -1, 1.5, 2 ** 53, 8_640_000_000_000_001, true, [], {}, 'x'.repeat(129), 'a b', 'é'),
  fc.integer({ min: 30, max: 34 }).map(nested),
);

/** null mostly, sometimes a value of `a`. */
const rarely = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 12 }, { arbitrary: a, weight: 1 });

/** Values of `schema`, mostly valid, each node sometimes replaced by a wild one or bent at a boundary. */
function arb(schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: valid(schema), weight: 10 }, { arbitrary: wild, weight: 1 });
}

function valid(s: Schema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.anyOf) return fc.oneof(...s.anyOf.map(valid), fc.constant('not-a-member'));
  switch (s.type) {
    case 'string': {
      const min = s.minLength ?? 0;
      const max = Math.min(s.maxLength ?? 40, 200);
      const body = s.pattern ? fc.stringMatching(new RegExp(s.pattern), { maxLength: max }) : fc.string({ minLength: min, maxLength: max });
      const edges = [min - 1, min, max, max + 1, (s.maxLength ?? 0) + 1].filter((n) => n >= 0).map((n) => 'a'.repeat(n));
      return fc.oneof({ arbitrary: body, weight: 6 }, fc.constantFrom(...edges), fc.constantFrom('-', 'A:b@c.d', 'a/b', 'ab\n', 'Ab'));
    }
    case 'integer': {
      const min = Math.max(s.minimum ?? -1000, Number.MIN_SAFE_INTEGER);
      const max = Math.min(s.maximum ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const edges = [min - 1, min, max, max + 1, min + 0.5, s.maximum ?? 1e300];
      return fc.oneof(
        { arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 40) }), weight: 4 },
        fc.constantFrom(...edges),
      );
    }
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arb(s.items!), { maxLength: 3 });
    case 'object': {
      const props = s.properties ?? {};
      const required = s.required ?? [];
      const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arb(v)])), { requiredKeys: required } as {
        requiredKeys: never[];
      });
      return fc
        .tuple(record, rarely(fc.constantFrom(...Object.keys(props))), rarely(fc.tuple(fc.constantFrom(...oddKeys), wild)))
        .map(([value, drop, extra]) => {
          const out: Record<string, unknown> = { ...(value as object) };
          if (drop !== null) delete out[drop];
          if (extra !== null)
            Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
          return out;
        });
    }
    default:
      // Type.Unknown (a payload): any JSON, sometimes nested past MAX_PAYLOAD_DEPTH.
      return fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 30, max: 34 }).map(nested));
  }
}

/** 'ok', or the code the reader threw; anything but a ProtocolValidationError fails the test. */
function verdict(read: () => unknown): string {
  try {
    read();
    return 'ok';
  } catch (e) {
    if (!(e instanceof ProtocolValidationError)) throw e;
    return e.code;
  }
}

function agreeOn(schemas: Record<string, TSchema>, oracle: (text: string) => string, mine: (text: string) => string): void {
  for (const [type, schema] of Object.entries(schemas)) {
    const tally = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(valid(schema as Schema), (frame) => {
        const text = JSON.stringify(frame);
        const expected = oracle(text);
        expect({ type, text, verdict: mine(text) }).toEqual({ type, text, verdict: expected });
        tally[expected === 'ok' ? 'ok' : 'refused']++;
      }),
      { numRuns: 600 },
    );
    // Both sides of the line were explored, for every frame type.
    expect({ type, ok: tally.ok > 30, refused: tally.refused > 30 }).toEqual({ type, ok: true, refused: true });
  }
}

describe('hand-written frame checks agree with the TypeBox schemas', () => {
  it('server frames: readServerFrame accepts exactly what decodeServerFrame accepts, with the same code', () => {
    agreeOn(
      ServerFrameSchemas,
      (text) => verdict(() => decodeServerFrame(text)),
      (text) => verdict(() => readServerFrame(text)),
    );
  });

  it('client frames: checkClientFrame accepts exactly what decodeClientFrame accepts, with the same code', () => {
    agreeOn(
      ClientFrameSchemas,
      (text) => verdict(() => decodeClientFrame(text)),
      (text) => verdict(() => checkClientFrame(JSON.parse(text))),
    );
  });

  it('agree on any JSON at all (not objects, no type, unknown types)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ type: fc.oneof(fc.string(), wild) })), (value) => {
        const text = JSON.stringify(value);
        expect(verdict(() => readServerFrame(text))).toBe(verdict(() => decodeServerFrame(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse a frame over the size limit before parsing it, and a document nested past MAX_JSON_DEPTH', () => {
    const push = encodeFrame({ type: 'push', id: 'm1', payload: 'x'.repeat(100), priority: 'normal', sentAt: 1 });
    expect(verdict(() => readServerFrame(push, 100))).toBe('payload_too_large');
    expect(verdict(() => readServerFrame(push))).toBe('ok');
    const deep = `{"type":"pong","serverTime":1,"t":${'['.repeat(70)}${']'.repeat(70)}}`;
    expect(verdict(() => readServerFrame(deep))).toBe('invalid_frame');
  });
});
