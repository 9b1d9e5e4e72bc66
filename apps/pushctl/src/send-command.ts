import { PushClient } from '@pushwire/push-client';
import { positiveInt, printJson, required, UsageError, type Command } from './cli';
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
    let payload: unknown;
    try {
      payload = JSON.parse(required(v, 'data'));
    } catch {
      throw new UsageError(`--data must be JSON, e.g. '{"hello":"world"}' (got ${String(v.data)})`);
    }
    const priority = v.priority as string | undefined;
    if (priority !== undefined && !['high', 'normal', 'low'].includes(priority)) throw new UsageError('--priority must be high, normal or low');
    const client = new PushClient({ registryUrl: (v.registry as string | undefined) ?? endpoints.registryUrl(), serviceToken: endpoints.serviceToken() });
    try {
      const result = await client.send(deviceId, payload, {
        ack: v.ack === true,
        ttlSeconds: positiveInt(v, 'ttl'),
        priority: priority as 'high' | 'normal' | 'low' | undefined,
        id: v.id as string | undefined,
      });
      printJson(result);
      return result.status === 'delivered' || result.status === 'acknowledged' ? 0 : 2;
    } finally {
      await client.close();
    }
  },
};
