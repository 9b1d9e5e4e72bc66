/**
 * `npm run start:cluster`: DynamoDB Local (unless DYNAMODB_ENDPOINT is set or `npm run infra:up`
 * runs), the registry on it, and two edges, each its own process; one summary; Ctrl-C stops all.
 */
import { DEFAULT_ROOT_DIR, planEnv, readUpState, startInfra, type RunningInfra } from '@pushwire/infra';
import { DEFAULT_CLUSTER_PORTS, startCluster, type Cluster } from './cluster';
import { summary } from './summary';

const HELP = `Usage: npm run start:cluster

Runs Pushwire as a cluster on this machine: the registry on DynamoDB (port ${DEFAULT_CLUSTER_PORTS.registry}) and two
push edges (edge-1 on ${DEFAULT_CLUSTER_PORTS.edges[0]!.device}/${DEFAULT_CLUSTER_PORTS.edges[0]!.internal}, edge-2 on ${DEFAULT_CLUSTER_PORTS.edges[1]!.device}/${DEFAULT_CLUSTER_PORTS.edges[1]!.internal}), each as its own process.

DynamoDB: DYNAMODB_ENDPOINT if set (e.g. your Docker stack), else the one \`npm run infra:up\`
started, else DynamoDB Local is started for this run (needs Java 17+, and Maven the first time)
and stopped with it. Secrets: PUSHWIRE_SERVICE_TOKEN / PUSHWIRE_JWT_SECRET, else the development
defaults that pushctl also uses. Service logs: PUSHWIRE_LOG_LEVEL (default warn).
Ctrl-C stops everything this command started.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const log = (msg: string) => process.stderr.write(`[cluster] ${msg}\n`);
  const env = process.env;
  process.env.PUSHWIRE_LOG_LEVEL ??= 'warn';
  const plan = planEnv(env, readUpState(DEFAULT_ROOT_DIR));
  let infra: RunningInfra | undefined;
  let dynamodbEndpoint = env.DYNAMODB_ENDPOINT ?? plan.fromUp.DYNAMODB_ENDPOINT;
  if (!dynamodbEndpoint) {
    log('starting DynamoDB Local…');
    infra = await startInfra({ kafka: false, dynamodb: true, log });
    dynamodbEndpoint = infra.dynamodbEndpoint!;
  }

  let cluster: Cluster | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await cluster?.stop();
    await infra?.stop();
    process.stdout.write('Pushwire cluster stopped.\n');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    cluster = await startCluster({
      dynamodbEndpoint,
      serviceToken: env.PUSHWIRE_SERVICE_TOKEN || undefined,
      jwtSecret: env.PUSHWIRE_JWT_SECRET || undefined,
      output: (service, line) => process.stdout.write(`[${service}] ${line}\n`),
    });
  } catch (error) {
    console.error(`start:cluster: ${error instanceof Error ? error.message : String(error)}`);
    await infra?.stop();
    process.exit(1);
  }
  for (const service of [cluster.registry, ...cluster.edges.map((e) => e.process)]) {
    void service.exited().then((exit) => {
      if (!stopping) log(`${service.name} exited (${exit.signal ?? `code ${exit.code}`}); the other services keep running`);
    });
  }
  process.stdout.write(summary(cluster, dynamodbEndpoint, infra ? 'started for this run' : env.DYNAMODB_ENDPOINT ? 'DYNAMODB_ENDPOINT' : 'npm run infra:up', !env.PUSHWIRE_SERVICE_TOKEN));
}

main().catch((error) => {
  console.error('start:cluster:', error);
  process.exit(1);
});
