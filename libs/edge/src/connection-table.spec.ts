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
    expect(t.get('a', 'tv')).toBe(tv);
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
    expect(t.get('a', 'tv')).toBe(newer);
    expect(t.remove(newer)).toBe(true);
    expect(t.ofAccount('a')).toEqual([]);
    expect(t.size).toBe(0);
  });

  it("keeps two accounts' devices of the same id apart: neither replaces nor finds the other", () => {
    const t = new ConnectionTable();
    const mine = conn('tv9', 'a1', 'c-mine'),
      theirs = conn('tv9', 'evil', 'c-theirs');
    expect(t.add(mine)).toBeUndefined();
    expect(t.add(theirs)).toBeUndefined();
    expect([t.get('a1', 'tv9'), t.get('evil', 'tv9'), t.get('other', 'tv9')]).toEqual([mine, theirs, undefined]);
    expect(t.size).toBe(2);
    expect(t.remove(conn('tv9', 'evil', 'c-mine'))).toBe(false);
    expect(t.remove(theirs)).toBe(true);
    expect(t.get('a1', 'tv9')).toBe(mine);
    expect([...t.values()]).toEqual([mine]);
  });

  it('finds, replaces and removes the devices of an account with many (kept by device id), down to the last one', () => {
    const t = new ConnectionTable();
    const devices = Array.from({ length: 20 }, (_, i) => conn(`d${i}`, 'big'));
    devices.forEach((c) => t.add(c));
    t.add(conn('d0', 'other'));
    expect(t.size).toBe(21);
    expect(devices.every((c) => t.get('big', c.deviceId) === c)).toBe(true);
    const newer = conn('d7', 'big', 'c-newer');
    expect(t.add(newer)).toBe(devices[7]);
    expect(t.get('big', 'd7')).toBe(newer);
    expect(t.get('other', 'd7')).toBeUndefined();
    for (const c of devices.slice(1)) t.remove(c === devices[7] ? newer : c);
    expect(t.remove(devices[7]!)).toBe(false);
    expect([t.ofAccount('big'), t.size]).toEqual([[devices[0]], 2]);
    expect(t.remove(devices[0]!)).toBe(true);
    expect([...t.values()].map((c) => c.accountId)).toEqual(['other']);
  });

  it('finds, replaces and removes devices of an account with several, and shrinks back to one', () => {
    const t = new ConnectionTable();
    const devices = ['tv', 'phone', 'tablet'].map((d) => conn(d, 'a'));
    devices.forEach((c) => t.add(c));
    const newerPhone = conn('phone', 'a', 'c-newer');
    expect(t.add(newerPhone)).toBe(devices[1]);
    expect(t.size).toBe(3);
    expect(t.get('a', 'phone')).toBe(newerPhone);
    expect(t.remove(devices[1]!)).toBe(false);
    expect(t.remove(devices[0]!)).toBe(true);
    expect(t.remove(newerPhone)).toBe(true);
    expect(t.ofAccount('a')).toEqual([devices[2]]);
    expect(t.get('a', 'tablet')).toBe(devices[2]);
    expect([...t.values()]).toEqual([devices[2]]);
    expect(t.size).toBe(1);
  });
});
