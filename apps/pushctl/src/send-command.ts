import { PushClient } from '@pushwire/push-client';
import { positiveInt, printJson, required, UsageError, type Command } from './cli';
import { jsonData, priorityArg } from './json-arg';
import { endpoints } from './endpoints';

export const sendCommand: Command = {
  name: 'send',
  summary: 'push to a device (or every device of an account) now and print the delivery status as one JSON line',
  usage: "pushctl send (--device D | --account A) --data '<json>' [--ack] [--ttl SECONDS] [--priority high|normal|low] [--id MESSAGE_ID]",
  options: {
    device: { type: 'string' },
    account: { type: 'string' },
    data: { type: 'string' },
    ack: { type: 'boolean' },
    ttl: { type: 'string' },
    priority: { type: 'string' },
    id: { type: 'string' },
    registry: { type: 'string' },
  },
  async run(v) {
    const account = v.account as string | undefined;
    if ((account === undefined) === (v.device === undefined)) throw new UsageError('give exactly one of --device and --account');
    const payload = jsonData(v);
    const priority = priorityArg(v);
    const client = new PushClient({
      registryUrl: (v.registry as string | undefined) ?? endpoints.registryUrl(),
      serviceToken: endpoints.serviceToken(),
    });
    try {
      const options = { ack: v.ack === true, ttlSeconds: positiveInt(v, 'ttl'), priority, id: v.id as string | undefined };
      const delivered = (status: string) => status === 'delivered' || status === 'acknowledged';
      if (account !== undefined) {
        // One line for the account: every live device with its own status.
        const result = await client.sendToAccount(account, payload, options);
        printJson(result);
        return result.results.length > 0 && result.results.every((r) => delivered(r.status)) ? 0 : 2;
      }
      const result = await client.send(required(v, 'device'), payload, options);
      printJson(result);
      return delivered(result.status) ? 0 : 2;
    } finally {
      await client.close();
    }
  },
};
