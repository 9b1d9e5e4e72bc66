import { ConfigError } from '@pushwire/service-kit';
import { loadRegistryConfig } from './config';

describe('registry config', () => {
  const TOKEN = {
    PUSHWIRE_SENDER_TOKENS: 'a-long-enough-sender-token',
    PUSHWIRE_EDGE_TOKENS: 'a-long-enough-edge-token,an-older-edge-token',
  };
  const DYNAMO = { ...TOKEN, PUSHWIRE_REGISTRY_STORE: 'dynamodb' };

  it('refuses to start without service tokens of both roles, naming the keys', () => {
    expect(() => loadRegistryConfig({})).toThrow(ConfigError);
    expect(() => loadRegistryConfig({})).toThrow(/PUSHWIRE_SENDER_TOKENS is required/);
    expect(() => loadRegistryConfig({})).toThrow(/PUSHWIRE_EDGE_TOKENS is required/);
    expect(() => loadRegistryConfig({ PUSHWIRE_SENDER_TOKENS: 'a-long-enough-sender-token' })).toThrow(/PUSHWIRE_EDGE_TOKENS is required/);
  });

  it('uses the documented defaults when only the tokens are set, and keeps every token of a role', () => {
    expect(loadRegistryConfig(TOKEN)).toEqual({
      host: '0.0.0.0',
      port: 8082,
      senderTokens: 'a-long-enough-sender-token',
      edgeTokens: 'a-long-enough-edge-token,an-older-edge-token',
      serviceToken: '',
      allowSharedServiceToken: false,
      serviceTokens: { sender: ['a-long-enough-sender-token'], edge: ['a-long-enough-edge-token', 'an-older-edge-token'] },
      edgeHosts: '',
      store: 'memory',
      dynamodbEndpoint: '',
      awsRegion: '',
      table: 'pushwire-registry',
      createTables: true,
      inboxTable: 'pushwire-inbox',
      inboxMaxMessages: 100,
      inboxMaxBytes: 1048576,
      journalMaxBytes: 64 * 2 ** 20,
      journalMaxAgeSeconds: 900,
    });
  });

  it('refuses one token for every role unless told so explicitly', () => {
    const shared = { PUSHWIRE_SERVICE_TOKEN: 'a-long-enough-service-token' };
    expect(() => loadRegistryConfig(shared)).toThrow(/PUSHWIRE_SERVICE_TOKEN alone would be one token for every role/);
    expect(() =>
      loadRegistryConfig({ PUSHWIRE_SENDER_TOKENS: 'the-same-token-twice', PUSHWIRE_EDGE_TOKENS: 'the-same-token-twice' }),
    ).toThrow(/a token is in both PUSHWIRE_SENDER_TOKENS and PUSHWIRE_EDGE_TOKENS/);
    expect(loadRegistryConfig({ ...shared, PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN: 'true' }).serviceTokens).toEqual({
      sender: ['a-long-enough-service-token'],
      edge: ['a-long-enough-service-token'],
    });
  });

  it('rejects an unknown store and a short token, naming each key and never echoing a token', () => {
    const load = () =>
      loadRegistryConfig({ ...TOKEN, PUSHWIRE_EDGE_TOKENS: 'a-long-enough-edge-token,short', PUSHWIRE_REGISTRY_STORE: 'redis' });
    expect(load).toThrow(/PUSHWIRE_REGISTRY_STORE="redis" is invalid: must be one of memory, dynamodb/);
    expect(() => loadRegistryConfig({ ...TOKEN, PUSHWIRE_EDGE_TOKENS: 'a-long-enough-edge-token,short' })).toThrow(
      /PUSHWIRE_EDGE_TOKENS: token 2 is shorter than 16 characters/,
    );
    expect(() => loadRegistryConfig({ ...TOKEN, PUSHWIRE_EDGE_TOKENS: 'a-long-enough-edge-token,short' })).not.toThrow(/short"/);
  });

  it('requires AWS_REGION for the dynamodb store only, naming the key', () => {
    expect(() => loadRegistryConfig(DYNAMO)).toThrow(/AWS_REGION is required: .*PUSHWIRE_REGISTRY_STORE=dynamodb/);
    expect(loadRegistryConfig(TOKEN).store).toBe('memory');
  });

  it('reads the dynamodb settings: AWS endpoint by default, DynamoDB Local when given', () => {
    expect(loadRegistryConfig({ ...DYNAMO, AWS_REGION: 'eu-west-1' })).toMatchObject({
      store: 'dynamodb',
      awsRegion: 'eu-west-1',
      dynamodbEndpoint: '',
      table: 'pushwire-registry',
      createTables: true,
      inboxTable: 'pushwire-inbox',
      inboxMaxMessages: 100,
      inboxMaxBytes: 1048576,
      journalMaxBytes: 64 * 2 ** 20,
      journalMaxAgeSeconds: 900,
    });
    expect(
      loadRegistryConfig({
        ...DYNAMO,
        AWS_REGION: 'us-east-1',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000/',
        PUSHWIRE_REGISTRY_TABLE: 'reg-staging',
        PUSHWIRE_REGISTRY_CREATE_TABLES: 'false',
      }),
    ).toMatchObject({ dynamodbEndpoint: 'http://127.0.0.1:8000', table: 'reg-staging', createTables: false });
  });

  it('names each bad dynamodb setting in one error', () => {
    const load = () =>
      loadRegistryConfig({
        ...DYNAMO,
        AWS_REGION: 'EU West',
        DYNAMODB_ENDPOINT: 'localhost:8000',
        PUSHWIRE_REGISTRY_TABLE: 'a/b',
        PUSHWIRE_REGISTRY_CREATE_TABLES: 'maybe',
      });
    expect(load).toThrow(/DYNAMODB_ENDPOINT="localhost:8000" is invalid: expected an http\(s\)/);
    expect(load).toThrow(/AWS_REGION="EU West" is invalid/);
    expect(load).toThrow(/PUSHWIRE_REGISTRY_TABLE="a\/b" is invalid/);
    expect(load).toThrow(/PUSHWIRE_REGISTRY_CREATE_TABLES="maybe" is invalid: expected true or false/);
  });
});
