import { KafkaEventBus, type Subscription } from '@pushwire/event-bus';
import type { logCreator } from 'kafkajs';
import { Topics, Validators, type PushOutcomeRecord } from '@pushwire/protocol';

/** Follows pushwire.push-outcomes on the soak's broker from its first record, as an operator's consumer would. */
export class OutcomeFollower {
  /** Records that were not valid outcome records (must stay 0). */
  invalid = 0;
  private subscription?: Subscription;

  private constructor(private readonly bus: KafkaEventBus) {}

  /**
   * Joins a group of its own on the outcomes topic (the processor created it). Reading the topic
   * rather than the processor's SSE stream keeps the record through processor kills, and sees the
   * outcomes edges publish for messages they took from an inbox.
   */
  static async start(
    brokers: string,
    groupId: string,
    onOutcome: (outcome: PushOutcomeRecord) => void,
    kafkaLog?: logCreator,
  ): Promise<OutcomeFollower> {
    const bus = new KafkaEventBus({ brokers: [brokers], clientId: 'pushwire-chaos-outcomes', logCreator: kafkaLog });
    const follower = new OutcomeFollower(bus);
    const seen = new Set<string>();
    try {
      follower.subscription = await bus.subscribe({
        groupId,
        topics: [Topics.pushOutcomes],
        fromBeginning: true,
        handler: async (records) => {
          for (const record of records) {
            // At least once: a batch read again after a broker restart must not count twice.
            const position = `${record.partition}:${record.offset}`;
            if (seen.has(position)) continue;
            seen.add(position);
            let outcome: PushOutcomeRecord;
            try {
              outcome = Validators.pushOutcomeRecord.decode(JSON.parse(record.value));
            } catch {
              follower.invalid++;
              continue;
            }
            onOutcome(outcome);
          }
        },
      });
    } catch (error) {
      await bus.close().catch(() => undefined);
      throw error;
    }
    return follower;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop().catch(() => undefined);
    await this.bus.close();
  }
}
