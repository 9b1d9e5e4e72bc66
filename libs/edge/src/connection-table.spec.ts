import { Connection, Phase, Transport } from './connection';
import { ConnectionTable } from './connection-table';

const conn = (deviceId: string, accountId: string, id = deviceId) => {
  const c = new Connection(Transport.WebSocket, id, Phase.Open);
  c.deviceId = deviceId;
  c.accountId = accountId;
  return c;
};

describe('ConnectionTable', () => {
  it('finds connections by device and by account', () => {
    const t = new ConnectionTable();
    const tv = conn('tv', 'a'),
      phone = conn('phone', 'a'),
      other = conn('x', 'b');
    [tv, phone, other].forEach((c) => t.add(c));
    expect(t.get('tv')).toBe(tv);
    expect(t.ofAccount('a')).toEqual([tv, phone]);
    expect(t.ofAccount('b')).toEqual([other]);
    expect(t.size).toBe(3);
  });

  it('returns the replaced connection and keeps only the newer one in the account', () => {
    const t = new ConnectionTable();
    const old = conn('tv', 'a', 'c1'),
      newer = conn('tv', 'a', 'c2');
    t.add(old);
    expect(t.add(newer)).toBe(old);
    expect(t.ofAccount('a')).toEqual([newer]);
    // The replaced connection closing later must not remove the newer one.
    expect(t.remove(old)).toBe(false);
    expect(t.get('tv')).toBe(newer);
    expect(t.remove(newer)).toBe(true);
    expect(t.ofAccount('a')).toEqual([]);
    expect(t.size).toBe(0);
  });
});
