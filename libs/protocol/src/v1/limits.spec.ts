import { MAX_JSON_DEPTH, MAX_PAYLOAD_DEPTH } from '../json-depth';
import { ProtocolValidationError } from '../validation-error';
import { decodeClientFrame } from './decode';
import { EdgeUrl, MAX_MESSAGE_TTL_SECONDS } from './internal-api';
import { checkCreatedAt, CREATED_AT_LEEWAY_MS } from './message-time';
import { Validators } from './validators';

/** A payload nested `n` levels deep. */
const nested = (n: number): unknown => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof ProtocolValidationError)) throw e;
    return e.code;
  }
}

describe('protocol limits', () => {
  describe('payload depth', () => {
    const message = (payload: unknown) => ({ id: 'm1', payload });

    it('holds the payload of every message-carrying body to MAX_PAYLOAD_DEPTH, naming where it sits', () => {
      const ok = nested(MAX_PAYLOAD_DEPTH);
      const deep = nested(MAX_PAYLOAD_DEPTH + 1);
      expect(Validators.pushMessage.is(message(ok))).toBe(true);
      expect(Validators.pushMessage.is(message(deep))).toBe(false);
      expect(() => Validators.delivery.decode({ accountId: 'a1', deviceId: 'd1', message: message(deep) })).toThrow(
        /\/message\/payload nests .* deeper than 32/,
      );
      const batch = {
        deliveries: [
          { accountId: 'a1', deviceId: 'd1', message: message(ok) },
          { accountId: 'a1', deviceId: 'd2', message: message(deep) },
        ],
      };
      expect(() => Validators.deliveryBatch.decode(batch)).toThrow(/\/deliveries\/1\/message\/payload/);
      expect(Validators.deliverRequest.is(batch)).toBe(false);
      const record = { v: 1, target: { accountId: 'a1', deviceId: 'd1' }, message: message(deep), enqueuedAt: 1 };
      expect(codeOf(() => Validators.pushRequestRecord.decode(record))).toBe('invalid_frame');
    });

    it('refuses a d2d.send frame with a payload past the limit, and any frame past the document limit', () => {
      const frame = (payload: unknown) => JSON.stringify({ type: 'd2d.send', reqId: 'r1', to: 'phone', payload });
      expect(decodeClientFrame(frame(nested(MAX_PAYLOAD_DEPTH)))).toMatchObject({ type: 'd2d.send' });
      expect(codeOf(() => decodeClientFrame(frame(nested(MAX_PAYLOAD_DEPTH + 1))))).toBe('invalid_frame');
      const deepText = `{"type":"d2d.send","reqId":"r1","to":"phone","payload":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
      expect(() => decodeClientFrame(deepText)).toThrow(`frame: / nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
    });
  });

  describe('createdAt', () => {
    const now = 1_750_000_000_000;
    it('is ok within the leeway ahead and the longest TTL behind', () => {
      expect(checkCreatedAt(now, now)).toBe('ok');
      expect(checkCreatedAt(now + CREATED_AT_LEEWAY_MS, now)).toBe('ok');
      expect(checkCreatedAt(now - MAX_MESSAGE_TTL_SECONDS * 1000, now)).toBe('ok');
    });
    it('is future past the leeway and too old past the longest TTL', () => {
      expect(checkCreatedAt(now + CREATED_AT_LEEWAY_MS + 1, now)).toBe('future');
      expect(checkCreatedAt(1e308, now)).toBe('future');
      expect(checkCreatedAt(now - MAX_MESSAGE_TTL_SECONDS * 1000 - 1, now)).toBe('too_old');
      expect(checkCreatedAt(0, now)).toBe('too_old');
    });
    it('is no time at all past what a Date can hold: the schema refuses 1e308', () => {
      expect(Validators.pushMessage.is({ id: 'm1', payload: 1, createdAt: 1e308 })).toBe(false);
      expect(Validators.pushMessage.is({ id: 'm1', payload: 1, createdAt: now })).toBe(true);
    });
  });

  describe('edge URLs', () => {
    const lease = (edgeUrl: string) => Validators.leaseRequest.is({ edgeUrl, ttlSeconds: 30 });
    it.each(['http://e1', 'http://edge-1.internal:8081', 'https://edge-1:8443/pushwire', 'http://[::1]:8081', 'http://127.0.0.1:8081/'])(
      'takes %s',
      (url) => expect(lease(url)).toBe(true),
    );
    it.each([
      'file:///etc/passwd',
      'gopher://e1:70',
      'http://user:secret@e1:8081',
      'http://e1:8081/?to=elsewhere',
      'http://e1:8081/#x',
      'http://',
      'http://e1/a b',
      `http://e1/${'a'.repeat(600)}`,
    ])('refuses %s', (url) => expect(lease(url)).toBe(false));
    it('is the schema of a registration and of a connection event as well', () => {
      expect(EdgeUrl.maxLength).toBe(512);
      expect(Validators.registration.schema.properties.edgeUrl).toBe(EdgeUrl);
      expect(Validators.deviceConnectionEvent.schema.properties.edgeUrl).toBe(EdgeUrl);
    });
  });
});
