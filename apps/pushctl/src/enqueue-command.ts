import { randomUUID } from 'node:crypto';
import { Validators } from '@pushwire/protocol';
import { joinUrl, JsonHttpClient } from '@pushwire/service-http';
import { positiveInt, printJson, type Command } from './cli';
import { deviceTarget, DEVICE_USAGE } from './device-arg';
import { endpoints } from './endpoints';
import { jsonData, priorityArg } from './json-arg';

/** How long `pushctl enqueue` waits for the processor's answer. */
const ENQUEUE_HTTP_TIMEOUT_MS = 15_000;

export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'indirect push: enqueue a message for a device; its outcome shows in `pushctl outcomes`',
  usage: [
    "pushctl enqueue --device D [--account A] --data '<json>' [--priority high|normal|low] [--ttl SECONDS] [--collapse-key K] [--ack] [--id MESSAGE_ID] [--processor URL]",
    `  ${DEVICE_USAGE}`,
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
    const url = joinUrl((v.processor as string | undefined) ?? endpoints.processorUrl(), 'v1', 'push-requests');
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
      return 0;
    } finally {
      await http.close();
    }
  },
};
