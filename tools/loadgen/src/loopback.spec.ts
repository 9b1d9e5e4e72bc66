import { assertLoopbackHost, sourceAddress } from './loopback';

describe('loopback only', () => {
  it('accepts 127.0.0.0/8 and refuses everything else by name', () => {
    expect(() => assertLoopbackHost('127.0.0.1')).not.toThrow();
    expect(() => assertLoopbackHost('127.3.2.1')).not.toThrow();
    for (const host of ['10.0.0.1', '128.0.0.1', 'localhost', 'example.com', '::1', '127.0.0.1.example.com']) {
      expect(() => assertLoopbackHost(host)).toThrow(new RegExp(`refusing target host "${host.replace(/\./g, '\\.')}"`));
    }
  });

  it('numbers source addresses from 127.0.0.2, carrying past 255', () => {
    expect(sourceAddress(0)).toBe('127.0.0.2');
    expect(sourceAddress(253)).toBe('127.0.0.255');
    expect(sourceAddress(254)).toBe('127.0.1.0');
    expect(() => sourceAddress(-1)).toThrow(RangeError);
  });
});
