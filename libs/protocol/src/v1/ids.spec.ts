import fc from 'fast-check';
import { Validator } from '../validation';
import { DeviceRef, deviceRefKey } from './ids';

const deviceRef = new Validator(DeviceRef, 'device');
/** Ids as the protocol allows them (ID_PATTERN), short so that collisions would be likely if possible. */
const id = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,6}$/);
const ref = fc.record({ accountId: id, deviceId: id });

describe('device identity: (accountId, deviceId)', () => {
  it('gives two devices the same key only when they are the same device', () => {
    fc.assert(
      fc.property(ref, ref, (a, b) => {
        expect(deviceRefKey(a) === deviceRefKey(b)).toBe(a.accountId === b.accountId && a.deviceId === b.deviceId);
      }),
    );
  });

  it('tells apart the same device id in two accounts, and accounts whose ids run into device ids', () => {
    expect(deviceRefKey({ accountId: 'a1', deviceId: 'tv9' })).not.toBe(deviceRefKey({ accountId: 'evil', deviceId: 'tv9' }));
    expect(deviceRefKey({ accountId: 'a', deviceId: 'b.c' })).not.toBe(deviceRefKey({ accountId: 'a.b', deviceId: 'c' }));
  });

  it('needs both ids, and refuses the separator in either', () => {
    expect(deviceRef.is({ accountId: 'a1', deviceId: 'tv9' })).toBe(true);
    expect(deviceRef.is({ deviceId: 'tv9' })).toBe(false);
    expect(deviceRef.is({ accountId: 'a1' })).toBe(false);
    expect(deviceRef.is({ accountId: 'a1/x', deviceId: 'tv9' })).toBe(false);
    expect(deviceRef.is({ accountId: 'a1', deviceId: 'x/tv9' })).toBe(false);
    expect(deviceRef.is({ accountId: 'a1', deviceId: 'tv9', extra: 1 })).toBe(false);
  });
});
