import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS_ENV } from './env-file';
import { classpathOf, runMarkerArg } from './java';
import { LOOPBACK } from './ports';
import { spawnDetached, type StartedProcess } from './processes';
import { waitUntilReady } from './readiness';

/** DynamoDB Local 3.x's entry point (2.x and earlier: com.amazonaws.services.dynamodbv2.local.main.ServerRunner). */
export const DYNAMODB_LOCAL_MAIN = 'software.amazon.dynamodb.services.local.main.ServerRunner';

/**
 * The JVM and server arguments: in memory (nothing to clean up, fast) unless `dbPath` asks for a
 * database on disk that outlives a restart (outage tests), one database for every credential and
 * region (-sharedDb, so tools and tests see the same tables), no telemetry (without it DynamoDB
 * Local waits on the network at start).
 */
export function dynamodbLocalArgs(jarsDir: string, port: number, runDir: string, dbPath?: string): string[] {
  const storage = dbPath ? ['-dbPath', dbPath] : ['-inMemory'];
  return [
    '-Xmx256m',
    runMarkerArg(runDir),
    '-cp',
    classpathOf(jarsDir),
    DYNAMODB_LOCAL_MAIN,
    ...storage,
    '-sharedDb',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
}

/** A running DynamoDB Local: its process and endpoint URL. */
export interface StartedDynamo {
  readonly process: StartedProcess;
  readonly endpoint: string;
  readonly readyMs: number;
}

/** Starts DynamoDB Local detached; resolves once ListTables answers. */
export async function startDynamoLocal(opts: {
  java: string;
  jarsDir: string;
  runDir: string;
  port: number;
  dbPath?: string;
  timeoutMs?: number;
  onSpawn?: (proc: StartedProcess) => void;
}): Promise<StartedDynamo> {
  const dir = path.join(opts.runDir, 'dynamodb-local');
  mkdirSync(dir, { recursive: true });
  if (opts.dbPath) mkdirSync(opts.dbPath, { recursive: true });
  // DynamoDB Local binds all interfaces and has no bind-address flag; the port is only published here as loopback.
  const proc = spawnDetached(opts.java, dynamodbLocalArgs(opts.jarsDir, opts.port, opts.runDir, opts.dbPath), {
    cwd: dir,
    logFile: path.join(dir, 'stdout.log'),
    marker: runMarkerArg(opts.runDir),
  });
  opts.onSpawn?.(proc);
  const endpoint = `http://${LOOPBACK}:${opts.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  try {
    const readyMs = await waitUntilReady({
      name: 'dynamodb-local',
      process: proc,
      probe: async () => void (await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(2_000) })),
      timeoutMs: opts.timeoutMs,
    });
    return { process: proc, endpoint, readyMs };
  } finally {
    client.destroy();
  }
}
