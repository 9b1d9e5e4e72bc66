import { ConfigError } from '@pushwire/service-kit';
import { loadEdgeConfig } from './edge-config';

const BASE = {
  PUSHWIRE_SENDER_TOKENS: 'a-long-enough-sender-token',
  PUSHWIRE_EDGE_TOKENS: 'a-long-enough-edge-token',
  PUSHWIRE_JWT_SECRET: 'a-long-enough-jwt-secret',
};

describe('edge config: device tokens', () => {
  it('checks no issuer or audience by default, allows a day at most, and 30 s of clock skew', () => {
    expect(loadEdgeConfig(BASE)).toMatchObject({
      jwtIssuer: '',
      jwtAudience: '',
      jwtMaxLifetimeSeconds: 86_400,
      jwtClockLeewaySeconds: 30,
    });
  });

  it('reads the issuer, audience, maximum lifetime and leeway', () => {
    const c = loadEdgeConfig({
      ...BASE,
      PUSHWIRE_JWT_ISSUER: 'https://id.example',
      PUSHWIRE_JWT_AUDIENCE: 'pushwire',
      PUSHWIRE_JWT_MAX_LIFETIME_SECONDS: '3600',
      PUSHWIRE_JWT_CLOCK_LEEWAY_SECONDS: '5',
    });
    expect(c).toMatchObject({
      jwtIssuer: 'https://id.example',
      jwtAudience: 'pushwire',
      jwtMaxLifetimeSeconds: 3600,
      jwtClockLeewaySeconds: 5,
    });
  });

  it('refuses to start on a bad setting, naming every key', () => {
    const load = () =>
      loadEdgeConfig({
        ...BASE,
        PUSHWIRE_JWT_ISSUER: 'two words',
        PUSHWIRE_JWT_MAX_LIFETIME_SECONDS: 'a day',
        PUSHWIRE_JWT_CLOCK_LEEWAY_SECONDS: '3600',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PUSHWIRE_JWT_ISSUER="two words" is invalid/);
    expect(load).toThrow(/PUSHWIRE_JWT_MAX_LIFETIME_SECONDS="a day" is invalid: expected an integer/);
    expect(load).toThrow(/PUSHWIRE_JWT_CLOCK_LEEWAY_SECONDS="3600" is invalid: must be ≤ 300/);
    expect(() => loadEdgeConfig({ ...BASE, PUSHWIRE_JWT_MAX_LIFETIME_SECONDS: '60', PUSHWIRE_JWT_CLOCK_LEEWAY_SECONDS: '60' })).toThrow(
      /PUSHWIRE_JWT_CLOCK_LEEWAY_SECONDS must be less than PUSHWIRE_JWT_MAX_LIFETIME_SECONDS/,
    );
  });
});

describe('edge config: ports and service tokens', () => {
  it('binds the internal port to loopback by default, apart from the device port', () => {
    expect(loadEdgeConfig(BASE)).toMatchObject({ host: '0.0.0.0', internalHost: '127.0.0.1' });
    expect(loadEdgeConfig({ ...BASE, PUSHWIRE_EDGE_INTERNAL_HOST: '10.0.0.5' }).internalHost).toBe('10.0.0.5');
  });

  it('needs an edge token to present and sender tokens to take deliveries from', () => {
    const { PUSHWIRE_EDGE_TOKENS: _edge, ...noEdge } = BASE;
    expect(() => loadEdgeConfig(noEdge)).toThrow(/PUSHWIRE_EDGE_TOKENS is required: the edge registers/);
    const { PUSHWIRE_SENDER_TOKENS: _sender, ...noSender } = BASE;
    expect(() => loadEdgeConfig(noSender)).toThrow(/PUSHWIRE_SENDER_TOKENS is required/);
    expect(loadEdgeConfig({ ...BASE, PUSHWIRE_EDGE_TOKENS: 'edge-token-new-0123456789, edge-token-old-0123456789' }).serviceTokens).toEqual(
      {
        sender: ['a-long-enough-sender-token'],
        edge: ['edge-token-new-0123456789', 'edge-token-old-0123456789'],
      },
    );
  });
});
