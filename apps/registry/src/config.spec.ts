import { ConfigError } from '@pushwire/service-kit';
import { loadRegistryConfig } from './config';

describe('registry config', () => {
  const TOKEN = { PUSHWIRE_SERVICE_TOKEN: 'a-long-enough-service-token' };
  const DYNAMO = { ...TOKEN, PUSHWIRE_REGISTRY_STORE: 'dynamodb' };

  it('refuses to start without a service token, naming the key', () => {
    expect(() => loadRegistryConfig({})).toThrow(ConfigError);
    expect(() => loadRegistryConfig({})).toThrow(/PUSHWIRE_SERVICE_TOKEN is required/);
    expect(() => loadRegistryConfig({ PUSHWIRE_REGISTRY_STORE: 'dynamodb', AWS_REGION: 'eu-west-1' })).toThrow(
      /PUSHWIRE_SERVICE_TOKEN is required/,
    );
  });

  it('uses the documented defaults when only the token is set', () => {
    expect(loadRegistryConfig(TOKEN)).toEqual({
      host: '0.0.0.0',
      port: 8082,
      serviceToken: 'a-long-enough-service-token',
      edgeHosts: '',
      store: 'memory',
      dynamodbEndpoint: '',
      awsRegion: '',
      table: 'pushwire-registry',
      createTables: true,
    });
  });

  it('rejects an unknown store and a short token, naming each key', () => {
    const load = () => loadRegistryConfig({ PUSHWIRE_SERVICE_TOKEN: 'short', PUSHWIRE_REGISTRY_STORE: 'redis' });
    expect(load).toThrow(/PUSHWIRE_SERVICE_TOKEN.*at least 16/);
    expect(load).toThrow(/PUSHWIRE_REGISTRY_STORE="redis" is invalid: must be one of memory, dynamodb/);
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
