import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { infraPaths } from './components';
import { ENV, formatEnvFile, LOCAL_AWS_ENV } from './env-file';
import { readRunState, writeRunState, type RunState } from './state';

/**
 * The two files `up` leaves for `down`, `status`, tests and tools: `.pushwire/infra.json` (the run:
 * pids, markers, logs) and `.pushwire/infra.env` (the endpoints as `KEY=value` lines).
 */
export function writeUpFiles(rootDir: string, state: RunState): void {
  const paths = infraPaths(rootDir);
  mkdirSync(paths.base, { recursive: true });
  writeRunState(state, paths.stateFile);
  writeFileSync(
    paths.envFile,
    formatEnvFile(upEnv(state), 'Written by `pushwire-infra up`; removed by `down`. Load with: set -a; . .pushwire/infra.env; set +a'),
  );
}

/** The variables a run publishes: its endpoints, plus credentials DynamoDB Local accepts. */
export function upEnv(state: RunState): Record<string, string | undefined> {
  return {
    [ENV.kafkaBrokers]: state.kafka?.brokers,
    [ENV.dynamodbEndpoint]: state.dynamodb?.endpoint,
    ...(state.dynamodb ? LOCAL_AWS_ENV : {}),
  };
}

/** The run `up` recorded, or undefined when nothing was brought up. */
export function readUpState(rootDir: string): RunState | undefined {
  return readRunState(infraPaths(rootDir).stateFile);
}

export function removeUpFiles(rootDir: string): void {
  const paths = infraPaths(rootDir);
  for (const file of [paths.stateFile, paths.envFile]) if (existsSync(file)) rmSync(file);
}
