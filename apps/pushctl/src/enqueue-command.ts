import { randomUUID } from 'node:crypto';
import { isFinalOutcome, Validators } from '@pushwire/protocol';
import { joinUrl, JsonHttpClient } from '@pushwire/service-http';
import { positiveInt, printJson, type Command } from './cli';
import { deviceTarget, DEVICE_USAGE } from './device-arg';
import { endpoints } from './endpoints';
import { jsonData, priorityArg } from './json-arg';
import { openOutcomeStream, type OutcomeStream } from './outcome-stream';

/** How long `pushctl enqueue` waits for the processor's answer. */
const ENQUEUE_HTTP_TIMEOUT_MS = 15_000;

export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'indirect push: enqueue a message for a device; its outcome shows in `pushctl outcomes` (or with --follow)',
  usage: [
    "pushctl enqueue --device D [--account A] --data '<json>' [--priority high|normal|low] [--ttl SECONDS] [--collapse-key K] [--ack] [--id MESSAGE_ID] [--follow] [--processor URL]",
    `  ${DEVICE_USAGE}`,
    "  --follow: then print the message's outcomes as JSON lines (e.g. `stored`, later `delivered`) until its final one.",
  ].join('\n'),
  options: {
    device: { type: 'string' },
    account: { type: 'string' },
    data: { type: 'string' },
    priority: { type: 'string' },
    ttl: { type: 'string' },
    'collapse-key': { type: 'string' },
    ack: { type: 'boolean' },
    id: { type: 'string' },
    follow: { type: 'boolean' },
    processor: { type: 'string' },
  },
  async run(v) {
    const target = deviceTarget(v);
    const message = {
      id: (v.id as string | undefined) ?? randomUUID(),
      payload: jsonData(v),
      ...(priorityArg(v) ? { priority: priorityArg(v) } : {}),
      ...(positiveInt(v, 'ttl') ? { ttlSeconds: positiveInt(v, 'ttl') } : {}),
      ...(v.ack === true ? { ackRequired: true } : {}),
      createdAt: Date.now(),
    };
    const body = { target, message, ...(v['collapse-key'] ? { collapseKey: v['collapse-key'] } : {}) };
    const processor = v.processor as string | undefined;
    const url = joinUrl(processor ?? endpoints.processorUrl(), 'v1', 'push-requests');
    // Opened before the enqueue, so even an outcome that follows at once is seen.
    const outcomes = v.follow === true ? await openOutcomeStream(processor) : undefined;
    // Longer than the processor's enqueue deadline (10 s, PushClient's default): during a Kafka
    // outage it keeps trying that long and then answers 503, which must reach us as its answer
    // rather than as our own timeout (after which the message might still be enqueued).
    const http = new JsonHttpClient({ serviceToken: endpoints.serviceToken(), timeoutMs: ENQUEUE_HTTP_TIMEOUT_MS });
    try {
      const res = await http.call('POST', url, { body });
      if (res.status !== 202) {
        const error = Validators.errorBody.is(res.body) ? res.body.error : { message: `HTTP ${res.status}` };
        process.stderr.write(`pushctl: enqueue refused (${res.status}): ${error.message}\n`);
        return 1;
      }
      printJson(res.body);
      return outcomes ? await followOutcomesOf(message.id, outcomes) : 0;
    } finally {
      outcomes?.abort.abort();
      await http.close();
    }
  },
};

/** Prints the outcomes of one message until its final one (0), or until Ctrl-C or the stream's end (1). */
async function followOutcomesOf(messageId: string, stream: OutcomeStream): Promise<number> {
  process.stderr.write(`pushctl: following the outcomes of ${messageId} until its final one; Ctrl-C to stop\n`);
  let final = false;
  await stream.read((outcome) => {
    if (outcome.messageId !== messageId) return;
    printJson(outcome);
    if (isFinalOutcome(outcome.status)) {
      final = true;
      stream.abort.abort();
    }
  });
  return final ? 0 : 1;
}
