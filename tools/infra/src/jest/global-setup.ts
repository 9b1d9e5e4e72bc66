/**
 * Jest globalSetup for integration tests: makes KAFKA_BROKERS and DYNAMODB_ENDPOINT point at a real
 * Kafka broker and DynamoDB Local. Jest starts its workers after this runs, so the variables set
 * on process.env here reach every test file. Use from a project's jest.integration.config.js:
 *   globalSetup: '<rootDir>/../../tools/infra/src/jest/global-setup.ts',
 *   globalTeardown: '<rootDir>/../../tools/infra/src/jest/global-teardown.ts',
 */
import { ENV } from '../env-file';
import { readUpState } from '../infra-files';
import { DEFAULT_ROOT_DIR } from '../components';
import { startInfra } from '../start';
import { missingAwsEnv, planEnv } from './env-plan';
import { HANDLE } from './handle';

export default async function globalSetup(): Promise<void> {
  const log = (msg: string) => process.stderr.write(`[infra] ${msg}\n`);
  const plan = planEnv(process.env, readUpState(DEFAULT_ROOT_DIR));
  Object.assign(process.env, plan.fromUp, missingAwsEnv(process.env));
  if (plan.startKafka || plan.startDynamodb) {
    // Throws with what to install (Java, Maven) or which variables to set: never a silent skip.
    const infra = await startInfra({ kafka: plan.startKafka, dynamodb: plan.startDynamodb, log });
    (globalThis as Record<symbol, unknown>)[HANDLE] = infra;
    if (infra.kafkaBrokers) process.env[ENV.kafkaBrokers] = infra.kafkaBrokers;
    if (infra.dynamodbEndpoint) process.env[ENV.dynamodbEndpoint] = infra.dynamodbEndpoint;
  }
  log(
    `kafka ${process.env[ENV.kafkaBrokers]} (${plan.sources.kafka}), dynamodb ${process.env[ENV.dynamodbEndpoint]} (${plan.sources.dynamodb})`,
  );
}
