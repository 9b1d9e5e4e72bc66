import type { Registration } from '@pushwire/protocol';
import { leaseItem, MalformedRegistryItemError, parseLease, parseRecord, recordItem } from './items';

describe('registry items', () => {
  const registration: Registration = {
    deviceId: 'd1',
    accountId: 'a1',
    deviceType: 'tv',
    deviceName: 'Living room TV',
    edgeId: 'e1',
    edgeUrl: 'http://e1:8081',
    connectionId: 'c1',
    connectedAt: 1_763_000_000_123,
    expiresAt: 1_763_001_800,
  };

  it('reads back the registration and lease epoch it wrote, with the TTL attribute as a number', () => {
    const item = recordItem(registration, 'epoch-1');
    expect(item.expiresAt).toEqual({ N: '1763001800' });
    expect(parseRecord(item)).toEqual({ registration, leaseEpoch: 'epoch-1' });
  });

  it('leaves optional fields out rather than storing them empty', () => {
    const { deviceName: _omitted, ...unnamed } = registration;
    const item = recordItem(unnamed, undefined);
    expect(Object.keys(item)).not.toContain('deviceName');
    expect(Object.keys(item)).not.toContain('leaseEpoch');
    expect(parseRecord(item)).toEqual({ registration: unnamed });
  });

  it('reads back a lease with its epoch', () => {
    const lease = { edgeId: 'e1', edgeUrl: 'http://e1:8081', expiresAt: 1_763_000_030 };
    expect(parseLease(leaseItem(lease, 'epoch-2'))).toEqual({ lease, epoch: 'epoch-2' });
  });

  it('names the item and the missing attribute when an item was not written by the store', () => {
    const { connectedAt: _dropped, ...broken } = recordItem(registration, 'epoch-1');
    expect(() => parseRecord(broken)).toThrow(MalformedRegistryItemError);
    expect(() => parseRecord(broken)).toThrow('registry item device#a1#d1 lacks the number attribute "connectedAt"');
  });

  it('fails on such an item with corrupt_record, which no retry mends', () => {
    const { edgeId: _dropped, ...broken } = recordItem(registration, 'epoch-1');
    expect(() => parseRecord(broken)).toThrow(expect.objectContaining({ code: 'corrupt_record', retriable: false }));
  });
});
