import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isOurs, probeBroker, spawnDetached, startInfra, waitUntilReady, writeRunState, type RunningInfra } from '@pushwire/infra';

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

  private kafkaCommand?: string[];

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

  /** SIGKILLs the broker (by its recorded pid) and waits until it is gone. */
  async killKafka(): Promise<void> {
    const proc = this.kafka.state.kafka;
    if (!proc || !isOurs(proc)) throw new Error('the soak’s Kafka broker is not running');
    // Its own command line is how it starts again: same ports, same log dirs, same run marker.
    this.kafkaCommand = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    process.kill(proc.pid, 'SIGKILL');
    while (isOurs(proc)) await delay(50);
  }

  /** Starts the killed broker again and resolves once it serves metadata and groups. */
  async startKafka(timeoutMs = 90_000): Promise<void> {
    const command = this.kafkaCommand;
    const state = this.kafka.state;
    if (!command || !state.kafka) throw new Error('startKafka: the broker was not killed by killKafka');
    const [java, ...args] = command;
    const proc = spawnDetached(java!, args, {
      cwd: path.join(state.runDir, 'kafka'),
      logFile: state.kafka.logFile,
      marker: state.kafka.marker,
    });
    // The run's stop() (and a later run's reaper) find the broker by the pid recorded here.
    state.kafka = { ...state.kafka, pid: proc.pid };
    writeRunState(state);
    this.kafkaCommand = undefined;
    await waitUntilReady({
      name: 'kafka (restarted)',
      process: proc,
      probe: () => probeBroker(this.kafkaBrokers),
      timeoutMs,
      detailLog: state.kafka.serverLog,
    });
  }

  /** Stops whatever of both still runs. */
  async stop(): Promise<void> {
    const results = await Promise.allSettled([this.kafka.stop(), this.stopDynamo()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
