import { PushClient } from '@pushwire/push-client';
import { positiveInt, printJson, required, type Command } from './cli';
import { jsonData, priorityArg } from './json-arg';
import { endpoints } from './endpoints';

export const sendCommand: Command = {
  name: 'send',
  summary: 'push to a device now and print its delivery status as one JSON line',
  usage: "pushctl send --device D --data '<json>' [--ack] [--ttl SECONDS] [--priority high|normal|low] [--id MESSAGE_ID]",
  options: {
    device: { type: 'string' },
    data: { type: 'string' },
    ack: { type: 'boolean' },
    ttl: { type: 'string' },
    priority: { type: 'string' },
    id: { type: 'string' },
    registry: { type: 'string' },
  },
  async run(v) {
    const deviceId = required(v, 'device');
    const payload = jsonData(v);
    const priority = priorityArg(v);
    const client = new PushClient({ registryUrl: (v.registry as string | undefined) ?? endpoints.registryUrl(), serviceToken: endpoints.serviceToken() });
    try {
      const result = await client.send(deviceId, payload, {
        ack: v.ack === true,
        ttlSeconds: positiveInt(v, 'ttl'),
        priority,
        id: v.id as string | undefined,
      });
      printJson(result);
      return result.status === 'delivered' || result.status === 'acknowledged' ? 0 : 2;
    } finally {
      await client.close();
    }
  },
};
