import { recordOf } from '../device-record';
import { deviceItem, edgeItem, parseDeviceItem, parseEdgeItem } from './device-items';

describe('device list items', () => {
  const nowMs = 1_760_000_000_500;
  const connected = recordOf({
    v: 1,
    kind: 'connected',
    accountId: 'a1',
    deviceId: 'd1',
    deviceType: 'tv',
    deviceName: 'TV',
    connectionId: 'c1',
    connectedAt: 1_760_000_000_000,
    edgeId: 'e1',
    edgeUrl: 'http://e1:8081',
    at: 1_760_000_000_100,
  });
  const offline = { ...connected, online: false, eventAt: connected.eventAt + 1 };

  it('puts an online record in the edge index and gives it no expiry', () => {
    const item = deviceItem(connected, nowMs, 60);
    expect(item.onlineEdgeId).toEqual({ S: 'e1' });
    expect(item.expiresAt).toBeUndefined();
    expect(parseDeviceItem(item)).toEqual(connected);
  });

  it('takes an offline record out of the edge index and lets it expire after the retention', () => {
    const item = deviceItem(offline, nowMs, 60);
    expect(item.onlineEdgeId).toBeUndefined();
    expect(item.expiresAt).toEqual({ N: String(1_760_000_000 + 60) });
    expect(parseDeviceItem(item)).toEqual(offline);
  });

  it('round-trips a record without a device name, and an edge', () => {
    const { deviceName: _, ...unnamed } = connected;
    expect(parseDeviceItem(deviceItem(unnamed, nowMs, 60))).toEqual(unnamed);
    const edge = { edgeId: 'e1', edgeUrl: 'http://e1:8081' };
    expect(edgeItem(edge).accountId).toEqual({ S: '#edges' });
    expect(parseEdgeItem(edgeItem(edge))).toEqual(edge);
  });

  it('refuses an item another program wrote, naming its key and the missing attribute', () => {
    const { connectedAt: _, ...item } = deviceItem(connected, nowMs, 60);
    expect(() => parseDeviceItem(item)).toThrow('device list item a1/d1 has no N attribute "connectedAt"');
    expect(() => parseDeviceItem({ ...item, connectedAt: { N: 'x' } })).toThrow('has no N attribute "connectedAt"');
  });
});
