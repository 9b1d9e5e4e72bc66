/**
 * Helpers for integration tests of any project: clients pointed at the services the jest global
 * setup (tools/infra/src/jest/global-setup.ts) started or found. Import from `@pushwire/infra/testing`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { ENV, LOCAL_AWS_ENV } from '../env-file';

const NOT_SET = (name: string) =>
  `${name} is not set. Run integration tests through a jest config whose globalSetup is ` +
  'tools/infra/src/jest/global-setup.ts, or `npm run infra:up` and load .pushwire/infra.env ' +
  '(set -a; . .pushwire/infra.env; set +a), or point it at your own service.';

/** `KAFKA_BROKERS` as a list, or a thrown error that says how to get one. */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const value = env[ENV.kafkaBrokers];
  if (!value) throw new Error(NOT_SET(ENV.kafkaBrokers));
  return value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** `DYNAMODB_ENDPOINT`, or a thrown error that says how to get one. */
export function dynamodbEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[ENV.dynamodbEndpoint];
  if (!value) throw new Error(NOT_SET(ENV.dynamodbEndpoint));
  return value;
}

/**
 * A kafkajs client on `KAFKA_BROKERS`. Logs only errors (kafkajs is chatty at INFO); pass
 * `overrides` for anything else. Callers disconnect the producers, consumers and admins they make.
 */
export function kafkaFromEnv(clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId, brokers: kafkaBrokersFromEnv(), logLevel: logLevel.ERROR, ...overrides });
}

/**
 * A DynamoDB client on `DYNAMODB_ENDPOINT`, with the AWS_* credentials from the environment or the
 * ones DynamoDB Local accepts. Call `destroy()` when done.
 */
export function dynamoClientFromEnv(): DynamoDBClient {
  const env = process.env;
  return new DynamoDBClient({
    endpoint: dynamodbEndpointFromEnv(),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? LOCAL_AWS_ENV.AWS_REGION,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
}
