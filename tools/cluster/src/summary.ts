import type { Cluster } from './cluster';

/** The endpoints of a running cluster as the lines `start:cluster` prints. */
export function summary(cluster: Cluster, dynamodbEndpoint: string, devSecrets: boolean): string {
  const ws = (url: string) => url.replace(/^http/, 'ws');
  const edge1 = cluster.edges[0]!;
  const lines = [
    `Pushwire cluster is running (registry and device list on DynamoDB, ${cluster.edges.length} edges, message processor on Kafka; one process each)`,
    `  registry  ${cluster.registryUrl}/v1   OpenAPI ${cluster.registryUrl}/openapi.json   metrics ${cluster.registryUrl}/metrics`,
    `  stores    DynamoDB ${dynamodbEndpoint}   Kafka ${cluster.kafkaBrokers}`,
    `  processor ${cluster.processorUrl}/v1/push-requests   outcomes ${cluster.processorUrl}/v1/outcomes   metrics ${cluster.processorUrl}/metrics`,
    `  devices   ${cluster.deviceListUrl}/v1/accounts/<account>/devices   metrics ${cluster.deviceListUrl}/metrics`,
    ...cluster.edges.map(
      (e) => `  ${e.id}    devices ${ws(e.deviceUrl)}/v1/connect  ${e.deviceUrl}/v1/events   deliver ${e.internalUrl}/v1/deliver`,
    ),
    devSecrets ? '  secrets   DEVELOPMENT defaults (pushctl uses the same)' : '  secrets   from the environment',
    `  try       npx pushctl listen --account a1 --device tv1 --edge ${cluster.edges[1]?.deviceUrl ?? edge1.deviceUrl}`,
    `            npx pushctl send --device tv1 --data '{"hello":"cluster"}'`,
    `            npx pushctl enqueue --device tv1 --data '{"hello":"queue"}' --priority high   (and: npx pushctl outcomes)`,
    `            npx pushctl devices --account a1   and   npx pushctl d2d --account a1 --from phone1 --to tv1 --data '{"play":1}'`,
    '  stop      Ctrl-C',
  ];
  return `\n${lines.join('\n')}\n\n`;
}
