import { startInfra, stopKafka, type RunningInfra, type StoppedKafka } from '@pushwire/infra';

/**
 * The soak's own Kafka broker and DynamoDB Local (never the shared ones: it kills them), both on
 * loopback with their data on disk, so each can be killed and started again where it was: DynamoDB
 * Local on the same port and database folder, the broker from its own command line, in its own run
 * folder (same ports, same log dirs).
 */
export class ChaosInfra {
  private constructor(
    private kafka: RunningInfra,
    private dynamo: RunningInfra | undefined,
    private readonly dynamoPort: number,
    private readonly dbPath: string,
    private readonly log: (msg: string) => void,
  ) {}

  private kafkaOutage?: StoppedKafka;

  get kafkaBrokers(): string {
    return this.kafka.kafkaBrokers!;
  }

  get dynamodbEndpoint(): string {
    return `http://127.0.0.1:${this.dynamoPort}`;
  }

  /** Starts both (in parallel); DynamoDB Local keeps its tables in `dbPath`. */
  static async start(dbPath: string, log: (msg: string) => void): Promise<ChaosInfra> {
    const [kafka, dynamo] = await Promise.allSettled([
      startInfra({ kafka: true, dynamodb: false, log }),
      startInfra({ kafka: false, dynamodb: true, dynamodbDbPath: dbPath, log }),
    ]);
    if (kafka.status === 'rejected' || dynamo.status === 'rejected') {
      await Promise.all([kafka, dynamo].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
      throw kafka.status === 'rejected' ? kafka.reason : (dynamo as PromiseRejectedResult).reason;
    }
    const port = Number(new URL(dynamo.value.dynamodbEndpoint!).port);
    return new ChaosInfra(kafka.value, dynamo.value, port, dbPath, log);
  }

  /** Stops DynamoDB Local (its data stays on disk). */
  async stopDynamo(): Promise<void> {
    const running = this.dynamo;
    this.dynamo = undefined;
    await running?.stop();
  }

  /** Starts DynamoDB Local again on the same port and data. */
  async startDynamo(): Promise<void> {
    if (this.dynamo) return;
    this.dynamo = await startInfra({
      kafka: false,
      dynamodb: true,
      dynamodbDbPath: this.dbPath,
      dynamodbPort: this.dynamoPort,
      log: this.log,
    });
  }

  /** SIGKILLs the broker (by its recorded pid, never the shared one) and waits until it is gone. */
  async killKafka(): Promise<void> {
    this.kafkaOutage = await stopKafka(this.kafka, 'SIGKILL');
  }

  /** Starts the killed broker again (same ports, same data) and resolves once it serves metadata and groups. */
  async startKafka(timeoutMs = 90_000): Promise<void> {
    const outage = this.kafkaOutage;
    if (!outage) throw new Error('startKafka: the broker was not killed by killKafka');
    this.kafkaOutage = undefined;
    await outage.restart({ timeoutMs });
  }

  /** Stops whatever of both still runs. */
  async stop(): Promise<void> {
    const results = await Promise.allSettled([this.kafka.stop(), this.stopDynamo()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
