import { deviceKey, deviceRefOfKey, leaseKey } from './table-schema';

describe('registry table keys', () => {
  it('keys a registration by its account and device id, and reads both back', () => {
    const mine = { accountId: 'a1', deviceId: 'tv9' };
    const theirs = { accountId: 'evil', deviceId: 'tv9' };
    expect(deviceKey(mine)).toEqual({ pk: { S: 'device#a1#tv9' } });
    expect(deviceKey(theirs)).not.toEqual(deviceKey(mine));
    expect(deviceRefOfKey(deviceKey(mine))).toEqual(mine);
    expect(deviceRefOfKey(deviceKey({ accountId: 'a:1@x.y', deviceId: 'tv-9_.' }))).toEqual({ accountId: 'a:1@x.y', deviceId: 'tv-9_.' });
  });

  it('reads no device from a lease key or from a key of the earlier layout, which named no account', () => {
    expect(deviceRefOfKey(leaseKey('e1'))).toBeUndefined();
    expect(deviceRefOfKey({ pk: { S: 'device#tv9' } })).toBeUndefined();
    expect(deviceRefOfKey({ pk: { S: 'device#a#b#c' } })).toBeUndefined();
    expect(deviceRefOfKey({})).toBeUndefined();
  });
});
