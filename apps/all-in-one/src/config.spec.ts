import { ConfigError } from '@pushwire/service-kit';
import { loadAllInOneConfig } from './config';

describe('all-in-one config', () => {
  it('uses the documented defaults, the drain window 0 so Ctrl-C stops at once', () => {
    expect(loadAllInOneConfig({})).toEqual({
      host: '127.0.0.1',
      registryPort: 8082,
      processorPort: 8083,
      deviceListPort: 8084,
      drainSeconds: 0,
      inboxMaxMessages: 100,
      inboxMaxBytes: 1024 * 1024,
      journalMaxBytes: 64 * 2 ** 20,
      journalMaxAgeSeconds: 900,
    });
  });

  it('reads the inbox bounds from the registry keys', () => {
    expect(loadAllInOneConfig({ PUSHWIRE_INBOX_MAX_MESSAGES: '5', PUSHWIRE_INBOX_MAX_BYTES: '2048' })).toMatchObject({
      inboxMaxMessages: 5,
      inboxMaxBytes: 2048,
    });
  });

  it('reads PUSHWIRE_EDGE_DRAIN_SECONDS', () => {
    expect(loadAllInOneConfig({ PUSHWIRE_EDGE_DRAIN_SECONDS: '5' }).drainSeconds).toBe(5);
  });

  it.each(['soon', '2.5', '-1', '3601'])('stops at start on PUSHWIRE_EDGE_DRAIN_SECONDS=%s, naming the key', (value) => {
    const load = () => loadAllInOneConfig({ PUSHWIRE_EDGE_DRAIN_SECONDS: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`PUSHWIRE_EDGE_DRAIN_SECONDS="${value}" is invalid`);
  });
});
