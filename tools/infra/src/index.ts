/**
 * tools/infra: a real Apache Kafka 3.9 broker (KRaft, single node) and AWS DynamoDB Local 3.x as
 * plain Java processes fetched from Maven Central — for integration tests and local runs on
 * machines without Docker. See tools/infra/README.md.
 */
export { startInfra, type RunningInfra, type StartInfraOptions, type InfraTimings } from './start';
export { stopKafka, type StoppedKafka } from './broker-outage';
export { readInfraEnv, ENV, LOCAL_AWS_ENV, formatEnvFile, parseEnvFile } from './env-file';
export { readUpState, writeUpFiles, removeUpFiles } from './infra-files';
export { stopRun, writeRunState, type RunState, type RecordedProcess } from './state';
export { spawnDetached, isOurs } from './processes';
export { probeBroker } from './kafka';
export { waitUntilReady } from './readiness';
export { ensureJars, completeJarsDir } from './fetch';
export { KAFKA, DYNAMODB_LOCAL, KAFKA_VERSION, DYNAMODB_LOCAL_VERSION, DEFAULT_ROOT_DIR, infraPaths } from './components';
export { InfraError } from './errors';
export { freePorts } from './ports';
export { planEnv, missingAwsEnv, type EnvPlan } from './jest/env-plan';
