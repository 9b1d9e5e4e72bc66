/**
 * `npm run start:cluster`: Kafka and DynamoDB Local (unless the env or `npm run infra:up` provide
 * them), the registry on DynamoDB, two edges and the message processor, each its own process; one
 * summary; Ctrl-C stops all.
 */
import { DEFAULT_ROOT_DIR, planEnv, readUpState, startInfra, type RunningInfra } from '@pushwire/infra';
import { DEFAULT_CLUSTER_PORTS, startCluster, type Cluster } from './cluster';
import { summary } from './summary';

const HELP = `Usage: npm run start:cluster

Runs Pushwire as a cluster on this machine: the registry on DynamoDB (port ${DEFAULT_CLUSTER_PORTS.registry}), two
push edges (edge-1 on ${DEFAULT_CLUSTER_PORTS.edges[0]!.device}/${DEFAULT_CLUSTER_PORTS.edges[0]!.internal}, edge-2 on ${DEFAULT_CLUSTER_PORTS.edges[1]!.device}/${DEFAULT_CLUSTER_PORTS.edges[1]!.internal}) and the message processor on Kafka
(port ${DEFAULT_CLUSTER_PORTS.processor}) and the device list on DynamoDB and Kafka (port ${DEFAULT_CLUSTER_PORTS.deviceList}), each as its own process.

Kafka and DynamoDB: KAFKA_BROKERS / DYNAMODB_ENDPOINT if set (e.g. your Docker stack), else the
ones \`npm run infra:up\` started, else they are started for this run (needs Java 17+, and Maven
the first time) and stopped with it. Secrets: PUSHWIRE_SENDER_TOKENS / PUSHWIRE_EDGE_TOKENS (service tokens by
role, comma-separated) and PUSHWIRE_JWT_SECRET, else the development defaults that pushctl also uses.
Service logs: PUSHWIRE_LOG_LEVEL (default warn).
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
  let kafkaBrokers = env.KAFKA_BROKERS ?? plan.fromUp.KAFKA_BROKERS;
  if (!dynamodbEndpoint || !kafkaBrokers) {
    log(`starting ${[!kafkaBrokers && 'Kafka', !dynamodbEndpoint && 'DynamoDB Local'].filter(Boolean).join(' and ')}…`);
    infra = await startInfra({ kafka: !kafkaBrokers, dynamodb: !dynamodbEndpoint, log });
    dynamodbEndpoint ??= infra.dynamodbEndpoint!;
    kafkaBrokers ??= infra.kafkaBrokers!;
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
      kafkaBrokers,
      senderTokens: env.PUSHWIRE_SENDER_TOKENS || undefined,
      edgeTokens: env.PUSHWIRE_EDGE_TOKENS || undefined,
      jwtSecret: env.PUSHWIRE_JWT_SECRET || undefined,
      output: (service, line) => process.stdout.write(`[${service}] ${line}\n`),
    });
  } catch (error) {
    console.error(`start:cluster: ${error instanceof Error ? error.message : String(error)}`);
    await infra?.stop();
    process.exit(1);
  }
  for (const service of [cluster.registry, ...cluster.edges.map((e) => e.process), cluster.processor]) {
    void service.exited().then((exit) => {
      if (!stopping) log(`${service.name} exited (${exit.signal ?? `code ${exit.code}`}); the other services keep running`);
    });
  }
  process.stdout.write(summary(cluster, dynamodbEndpoint, !env.PUSHWIRE_SENDER_TOKENS || !env.PUSHWIRE_EDGE_TOKENS));
}

main().catch((error) => {
  console.error('start:cluster:', error);
  process.exit(1);
});
