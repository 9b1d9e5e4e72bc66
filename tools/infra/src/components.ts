import path from 'node:path';

/**
 * One Java component tools/infra fetches from Maven Central and runs: where its POM lives and which
 * folder under the jar cache it fills. Each component keeps its own folder because Kafka's logging
 * (slf4j 1.7 + reload4j) and DynamoDB Local's (log4j2) clash on one classpath.
 */
export interface Component {
  /** Short name used in logs, errors and state files. */
  readonly name: 'kafka' | 'dynamodb-local';
  /** Folder name under the jar cache; carries the version so an upgrade fetches afresh. */
  readonly jarsFolder: string;
  /** The `packaging pom` project whose runtime dependencies are the component's classpath. */
  readonly pomPath: string;
}

export const KAFKA_VERSION = '3.9.1';
/** Newest DynamoDBLocal on Maven Central when this was written (3.0.0, 3.1.0, 3.3.1 are published). */
export const DYNAMODB_LOCAL_VERSION = '3.3.1';

const mavenDir = path.join(__dirname, '..', 'maven');

export const KAFKA: Component = {
  name: 'kafka',
  jarsFolder: `kafka-${KAFKA_VERSION}`,
  pomPath: path.join(mavenDir, 'kafka', 'pom.xml'),
};

export const DYNAMODB_LOCAL: Component = {
  name: 'dynamodb-local',
  jarsFolder: `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`,
  pomPath: path.join(mavenDir, 'dynamodb-local', 'pom.xml'),
};

/** The repository root (tools/infra/src → ../../..): `.pushwire/` lives there and is git-ignored. */
export const DEFAULT_ROOT_DIR = path.resolve(__dirname, '..', '..', '..');

/** Where fetched jars, run folders and the state files live, relative to a root folder. */
export function infraPaths(rootDir: string, jarsDir = process.env.PUSHWIRE_JARS_DIR) {
  const base = path.join(rootDir, '.pushwire');
  return {
    base,
    jars: jarsDir ? path.resolve(jarsDir) : path.join(base, 'jars'),
    runs: path.join(base, 'run'),
    envFile: path.join(base, 'infra.env'),
    stateFile: path.join(base, 'infra.json'),
  };
}
