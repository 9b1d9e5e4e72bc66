import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_ROOT_DIR, infraPaths } from './components';

/** The variables tools/infra publishes for tests and tools, and the ones it honours when set. */
export const ENV = {
  kafkaBrokers: 'KAFKA_BROKERS',
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
} as const;

/**
 * Credentials DynamoDB Local accepts: any values, but the access key id must be letters and digits
 * only (DynamoDB Local rejects others with UnrecognizedClientException).
 */
export const LOCAL_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'pushwire',
  AWS_SECRET_ACCESS_KEY: 'pushwire',
  AWS_REGION: 'us-east-1',
} as const;

/**
 * Renders `KEY=value` lines that both `set -a; . .pushwire/infra.env` and dotenv readers accept.
 * Keys are sorted by insertion order; values must not contain newlines (they are endpoints).
 */
export function formatEnvFile(vars: Record<string, string | undefined>, header?: string): string {
  const lines = header ? header.split('\n').map((l) => `# ${l}`) : [];
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`invalid variable name ${JSON.stringify(key)}`);
    if (/[\r\n]/.test(value)) throw new Error(`value of ${key} contains a newline`);
    lines.push(`${key}=${value}`);
  }
  return lines.join('\n') + '\n';
}

/** Parses what `formatEnvFile` writes: `KEY=value` lines; blank lines and `#` comments ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line
      .slice(0, eq)
      .replace(/^export\s+/, '')
      .trim();
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    vars[key] = value;
  }
  return vars;
}

/**
 * The variables `pushwire-infra up` wrote to `<rootDir>/.pushwire/infra.env`, or undefined when
 * nothing is up. It does not check the processes are still alive: `status` and the jest setup do.
 */
export function readInfraEnv(rootDir: string = DEFAULT_ROOT_DIR): Record<string, string> | undefined {
  const { envFile } = infraPaths(rootDir);
  if (!existsSync(envFile)) return undefined;
  return parseEnvFile(readFileSync(envFile, 'utf8'));
}
