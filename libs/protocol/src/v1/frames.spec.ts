import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeClientFrame, decodeServerFrame, decodeServerFrameValue } from './decode';
import { encodeFrame } from './read-frames';
import { ProtocolValidationError } from '../validation-error';
import { Validators } from './validators';

// Fixtures are arrays of objects; typed as such so it.each passes each element as one argument.
const fixture = (name: string): any[] => JSON.parse(readFileSync(join(__dirname, '../../fixtures/v1', name), 'utf8'));

/** Runs `fn` and asserts it either returns or throws a ProtocolValidationError — nothing else. */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ProtocolValidationError)) throw new Error(`threw ${String(e)} instead of a ProtocolValidationError`);
    expect(['invalid_json', 'invalid_frame', 'unknown_type']).toContain(e.code);
  }
}

describe('device frames v1', () => {
  it.each(fixture('client-frames.valid.json'))('decodes the valid client frame %j unchanged', (frame) => {
    expect(decodeClientFrame(JSON.stringify(frame))).toEqual(frame);
  });

  it.each(fixture('client-frames.invalid.json'))('rejects $text with $code', ({ text, code }: { text: string; code: string }) => {
    expect(() => decodeClientFrame(text)).toThrow(ProtocolValidationError);
    try {
      decodeClientFrame(text);
    } catch (e) {
      expect((e as ProtocolValidationError).code).toBe(code);
      expect((e as ProtocolValidationError).message.length).toBeGreaterThan(0);
    }
  });

  it.each(fixture('server-frames.valid.json'))('round-trips the server frame %j', (frame) => {
    expect(decodeServerFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('names the offending field in the error', () => {
    expect(() => decodeClientFrame('{"type":"ack","id":7}')).toThrow(/\/id/);
  });

  it('never throws anything but a typed error on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => onlyTypedErrors(() => decodeClientFrame(s))),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but a typed error on random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        onlyTypedErrors(() => decodeClientFrame(JSON.stringify(v)));
        onlyTypedErrors(() => decodeServerFrameValue(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but a typed error on mutated valid frames', () => {
    const valid: Record<string, unknown>[] = fixture('client-frames.valid.json');
    const mutation = fc.record({
      base: fc.constantFrom(...valid),
      key: fc.constantFrom('type', 'id', 'token', 'reqId', 'to', 'payload', 't', 'extra'),
      value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.string({ maxLength: 50 })),
    });
    fc.assert(
      fc.property(mutation, ({ base, key, value }) => {
        const mutated = { ...base, [key]: value };
        onlyTypedErrors(() => decodeClientFrame(JSON.stringify(mutated)));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts mutations that keep a frame valid and decodes them to exactly the input', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/), (id) => {
        expect(decodeClientFrame(JSON.stringify({ type: 'ack', id }))).toEqual({ type: 'ack', id });
      }),
    );
  });
});

describe('internal API bodies v1', () => {
  it.each(fixture('deliver-requests.valid.json'))('accepts the deliver request %j', (body) => {
    expect(Validators.deliverRequest.decode(body)).toEqual(body);
  });

  it.each(fixture('deliver-requests.invalid.json'))('rejects the deliver request %j with a typed error', (body) => {
    expect(() => Validators.deliverRequest.decode(body)).toThrow(ProtocolValidationError);
  });

  it('never throws anything but a typed error on random bodies', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        for (const validator of Object.values(Validators)) onlyTypedErrors(() => validator.decode(v));
      }),
      { numRuns: 500 },
    );
  });
});
