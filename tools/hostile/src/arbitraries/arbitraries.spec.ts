import fc from 'fast-check';
import { hostileHandshake } from './handshakes';
import { mutatedJson, nestedJson } from './hostile-json';
import { hostileRequest } from './http-requests';

describe('generators', () => {
  it('nests JSON text to the asked depth without building the value', () => {
    expect(nestedJson(3, 'array')).toBe('[[[]]]');
    expect(JSON.parse(nestedJson(3, 'object'))).toEqual({ a: { a: { a: 1 } } });
  });

  it('mutates exactly one field of a valid object and names it', () => {
    const base = { type: 'd2d.send', reqId: 'r', to: 'x', payload: { a: 1 } };
    fc.assert(
      fc.property(mutatedJson(base), (m) => {
        expect(m.label).toContain(m.path);
        expect(m.text).not.toBe(JSON.stringify(base));
      }),
      { numRuns: 100 },
    );
  });

  it('builds handshakes whose segments join into one request, labelled with what was broken', () => {
    const target = { port: 1, path: '/v1/connect', validToken: 'tok', expiredToken: 'old' };
    fc.assert(
      fc.property(hostileHandshake(target), (hs) => {
        const whole = Buffer.concat(hs.segments).toString('latin1');
        expect(whole.endsWith('\r\n\r\n')).toBe(true);
        if (hs.expect === 'upgrade') expect(whole).toMatch(/^GET \/v1\/connect\S* HTTP\/1\.1\r\n/);
        expect(fc.stringify(hs)).toBe(hs.label); // reports show the label, not the bytes
      }),
      { numRuns: 200 },
    );
  });

  it('builds requests for every internal API with a Content-Length that matches the body', () => {
    const ports = { edgeInternalPort: 1, edgeDevicePort: 2, registryPort: 3, processorPort: 4, deviceListPort: 5 };
    fc.assert(
      fc.property(
        hostileRequest({ ...ports, senderToken: 'sender-token', edgeToken: 'edge-token', liveAccountId: 'a', liveDeviceIds: ['d'] }),
        (r) => {
          const text = r.bytes.toString('latin1');
          const headEnd = text.indexOf('\r\n\r\n');
          const length = /\r\nContent-Length: (\d+)\r\n/.exec(text.slice(0, headEnd + 2))?.[1];
          expect(r.bytes.length - headEnd - 4).toBe(length === undefined ? 0 : Number(length));
          if (r.authorized === 'yes') expect(text).toMatch(/\r\nAuthorization: Bearer (sender|edge)-token\r\n/);
          if (r.label.startsWith('edge frames')) expect(r.authorized).not.toBe('yes'); // the device port takes no service token
        },
      ),
      { numRuns: 100 },
    );
  });
});
