import { ENV, LOCAL_AWS_ENV } from '../env-file';
import { isOurs } from '../processes';
import type { RunState } from '../state';

/** What the jest global setup will do: which services to start, and which it takes from where. */
export interface EnvPlan {
  readonly startKafka: boolean;
  readonly startDynamodb: boolean;
  /** Variables to set now, taken from a running `up` (the env wins over it). */
  readonly fromUp: Record<string, string>;
  /** Where each endpoint comes from, for one log line. */
  readonly sources: { kafka: 'env' | 'up' | 'start'; dynamodb: 'env' | 'up' | 'start' };
}

/**
 * Decides, per service: a variable already set (a Docker compose stack, a CI service) wins; then a
 * running `npm run infra:up` in this checkout (its pid still carries its marker); else start one.
 */
export function planEnv(
  env: NodeJS.ProcessEnv,
  up: RunState | undefined,
  alive: (p: NonNullable<RunState['kafka']>) => boolean = isOurs,
): EnvPlan {
  const fromUp: Record<string, string> = {};
  const upKafka = up?.kafka?.brokers && alive(up.kafka) ? up.kafka.brokers : undefined;
  const upDynamo = up?.dynamodb?.endpoint && alive(up.dynamodb) ? up.dynamodb.endpoint : undefined;
  const kafka = env[ENV.kafkaBrokers] ? 'env' : upKafka ? 'up' : 'start';
  const dynamodb = env[ENV.dynamodbEndpoint] ? 'env' : upDynamo ? 'up' : 'start';
  if (kafka === 'up' && upKafka) fromUp[ENV.kafkaBrokers] = upKafka;
  if (dynamodb === 'up' && upDynamo) fromUp[ENV.dynamodbEndpoint] = upDynamo;
  return { startKafka: kafka === 'start', startDynamodb: dynamodb === 'start', fromUp, sources: { kafka, dynamodb } };
}

/** The AWS variables to set: DynamoDB Local's accepted credentials, only where none are set. */
export function missingAwsEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(LOCAL_AWS_ENV)) if (!env[key]) out[key] = value;
  return out;
}
