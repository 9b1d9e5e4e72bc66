import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { InfraError, USE_EXISTING_HINT } from './errors';

/** Finds an executable on PATH; injectable so tests can pretend a tool is missing. */
export type Which = (command: string) => string | undefined;

/** Looks `command` up on PATH the way a shell does (first executable match wins). */
export const whichOnPath: Which = (command) => {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue; // not in this PATH entry: keep looking
    }
  }
  return undefined;
};

/** Java's major version from `java -version` output ("17.0.15" → 17, legacy "1.8.0_402" → 8). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

export const MIN_JAVA_MAJOR = 17;

export const JAVA_MISSING =
  `Java ${MIN_JAVA_MAJOR}+ is required to run Kafka and DynamoDB Local for the integration tests: ` +
  `apt-get install openjdk-17-jre-headless (macOS: brew install openjdk@17). ${USE_EXISTING_HINT}`;

export const MAVEN_MISSING =
  'Maven is required to fetch the Kafka and DynamoDB Local jars from Maven Central (once; they are cached in ' +
  `.pushwire/jars): apt-get install maven (macOS: brew install maven). ${USE_EXISTING_HINT}`;

/** Returns the `java` executable, or throws saying what to install. Checks the version too. */
export function requireJava(which: Which = whichOnPath, readVersion = readJavaVersion): string {
  const java = which('java');
  if (!java) throw new InfraError(JAVA_MISSING);
  const major = parseJavaMajor(readVersion(java));
  if (major !== undefined && major < MIN_JAVA_MAJOR) {
    throw new InfraError(`Found Java ${major} at ${java}, but ${JAVA_MISSING}`);
  }
  return java;
}

/** Returns the `mvn` executable, or throws saying what to install. */
export function requireMaven(which: Which = whichOnPath): string {
  const mvn = which('mvn');
  if (!mvn) throw new InfraError(MAVEN_MISSING);
  return mvn;
}

function readJavaVersion(java: string): string {
  // `java -version` prints to stderr.
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new InfraError(`Could not run \`${java} -version\``, { cause: result.error });
  return `${result.stdout}${result.stderr}`;
}
