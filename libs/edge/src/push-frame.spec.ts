import fc from 'fast-check';
import { encodeFrame, type PushMessage } from '@pushwire/protocol';
import { pushFrameObject, pushFrameText } from './push-frame';

// The spliced frame must be byte for byte what encodeFrame writes for the frame object: devices
// (and their de-duplication, size limits, signatures of payloads) see exactly what they saw before.
const message: fc.Arbitrary<PushMessage> = fc.record(
  {
    id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
    payload: fc.jsonValue(),
    priority: fc.constantFrom('high' as const, 'normal' as const, 'low' as const),
    ttlSeconds: fc.integer({ min: 1, max: 28 * 24 * 3600 }),
    createdAt: fc.integer({ min: 0, max: 8_640_000_000_000_000 }),
    ackRequired: fc.boolean(),
  },
  { requiredKeys: ['id', 'payload'] },
);

describe('pushFrameText', () => {
  it('is byte-identical to encodeFrame of the frame object, for any JSON payload and optional fields', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 8_640_000_000_000_000 }), (m, now) => {
        const sentAt = m.createdAt ?? now;
        expect(pushFrameText(m, sentAt)).toBe(encodeFrame(pushFrameObject(m, sentAt)));
      }),
      { numRuns: 500 },
    );
  });

  it('splices a payload JSON text the caller holds as it is, giving the same bytes as serialising the payload', () => {
    fc.assert(
      fc.property(message, (m) => {
        const text = JSON.stringify(m.payload);
        expect(pushFrameText(m, 1, text)).toBe(pushFrameText(m, 1));
      }),
      { numRuns: 300 },
    );
  });

  it('is valid JSON for representative payloads: strings needing escapes, unicode, nested objects, -0, a __proto__ key', () => {
    const payloads: unknown[] = [
      '@1796559009486.123',
      'quote " backslash \\ newline \n tab \t nul \u0000 line sep \u2028',
      'émoji 😀 and lone surrogate \ud800',
      { a: [1, 2.5, -0, 1e21, null, true], b: { c: 'd' } },
      JSON.parse('{"__proto__":{"x":1},"y":2}'),
      [],
      0,
      null,
    ];
    for (const payload of payloads) {
      const m: PushMessage = { id: 'm-1', payload, ttlSeconds: 60, ackRequired: true };
      const text = pushFrameText(m, 123);
      expect(text).toBe(encodeFrame(pushFrameObject(m, 123)));
      expect(JSON.parse(text)).toEqual(JSON.parse(encodeFrame(pushFrameObject(m, 123))));
    }
  });

  it('falls back to the object form for a payload JSON cannot write (undefined), as encodeFrame would', () => {
    const m = { id: 'm-1', payload: undefined } as PushMessage;
    expect(pushFrameText(m, 5)).toBe('{"type":"push","id":"m-1","priority":"normal","sentAt":5}');
  });
});
