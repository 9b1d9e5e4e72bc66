import { ConfigError, loadConfig } from '@pushwire/service-kit';
import { registryConfigSpec } from './config';

describe('registry config', () => {
  it('refuses to start without a service token, naming the key', () => {
    expect(() => loadConfig(registryConfigSpec, {})).toThrow(ConfigError);
    expect(() => loadConfig(registryConfigSpec, {})).toThrow(/PUSHWIRE_SERVICE_TOKEN is required/);
  });

  it('uses the documented defaults when only the token is set', () => {
    expect(loadConfig(registryConfigSpec, { PUSHWIRE_SERVICE_TOKEN: 'a-long-enough-service-token' })).toEqual({
      host: '0.0.0.0', port: 8082, serviceToken: 'a-long-enough-service-token', store: 'memory',
    });
  });

  it('rejects an unknown store and a short token, naming each key', () => {
    const load = () => loadConfig(registryConfigSpec, { PUSHWIRE_SERVICE_TOKEN: 'short', PUSHWIRE_REGISTRY_STORE: 'redis' });
    expect(load).toThrow(/PUSHWIRE_SERVICE_TOKEN.*at least 16/);
    expect(load).toThrow(/PUSHWIRE_REGISTRY_STORE="redis" is invalid: must be one of memory/);
  });
});
