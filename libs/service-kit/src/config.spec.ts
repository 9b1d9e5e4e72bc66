import { bool, ConfigError, int, loadConfig, removed, secret, str, url } from './config';
import { journalConfigSpec } from './message-journal';

const spec = {
  port: int({ env: 'X_PORT', default: 8080, min: 0, max: 65535, description: 'port' }),
  token: secret({ env: 'X_TOKEN', description: 'service token' }),
  mode: str({ env: 'X_MODE', default: 'memory', oneOf: ['memory', 'dynamodb'], description: 'store' }),
  verbose: bool({ env: 'X_VERBOSE', default: false, description: 'verbose' }),
  upstream: url({ env: 'X_URL', default: 'http://127.0.0.1:8082', description: 'upstream' }),
};

describe('loadConfig', () => {
  it('applies defaults and parses values', () => {
    const c = loadConfig(spec, { X_TOKEN: 'a-long-enough-secret', X_PORT: '9000', X_VERBOSE: 'yes', X_URL: 'http://h:1/' });
    expect(c).toEqual({ port: 9000, token: 'a-long-enough-secret', mode: 'memory', verbose: true, upstream: 'http://h:1' });
  });

  it('names every missing or invalid key in one error, and never echoes a secret', () => {
    let message = '';
    try {
      loadConfig(spec, { X_PORT: '80.5', X_MODE: 'redis', X_URL: 'ftp://x' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/X_TOKEN is required/);
    expect(message).toMatch(/X_PORT="80.5" is invalid: expected an integer/);
    expect(message).toMatch(/X_MODE="redis" is invalid: must be one of memory, dynamodb/);
    expect(message).toMatch(/X_URL="ftp:\/\/x" is invalid/);
    expect(() => loadConfig(spec, { X_TOKEN: 'short' })).toThrow(/X_TOKEN="\*\*\*" is invalid: must be at least 16/);
  });

  it('lets overrides win over the environment', () => {
    expect(loadConfig(spec, { X_PORT: '1' }, { token: 'override-secret-value', port: 2 }).port).toBe(2);
  });

  it('refuses to start with a key no longer read, naming what replaced it', () => {
    const withRemoved = { ...spec, old: removed({ env: 'X_OLD', description: 'set X_NEW instead' }) };
    expect(() => loadConfig(withRemoved, { X_TOKEN: 'a-long-enough-secret', X_OLD: '5' })).toThrow(
      /X_OLD is no longer read: set X_NEW instead/,
    );
    expect(loadConfig(withRemoved, { X_TOKEN: 'a-long-enough-secret' })).not.toHaveProperty('old');
    expect(() => loadConfig(journalConfigSpec, { PUSHWIRE_JOURNAL_MAX_MESSAGES: '0' })).toThrow(
      /PUSHWIRE_JOURNAL_MAX_MESSAGES is no longer read: .*set PUSHWIRE_JOURNAL_MAX_BYTES instead/,
    );
  });
});
