import type { PushTarget } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { positiveInt, printJson, UsageError, type Command } from './cli';
import { deviceTarget, DEVICE_USAGE } from './device-arg';
import { jsonData, priorityArg } from './json-arg';
import { endpoints } from './endpoints';

export const sendCommand: Command = {
  name: 'send',
  summary: 'push to a device (or every device of an account) now and print the delivery status as one JSON line',
  usage: [
    "pushctl send (--device D [--account A] | --account A) --data '<json>' [--ack] [--ttl SECONDS] [--priority high|normal|low] [--id MESSAGE_ID] [--store-if-offline]",
    `  ${DEVICE_USAGE}`,
    '  --account A alone pushes to every live device of account A.',
    '  --store-if-offline: a device that cannot take it now gets it from its inbox when it connects (status `stored`, exit 0), until --ttl (default 3600 s) ends.',
  ].join('\n'),
  options: {
    device: { type: 'string' },
    account: { type: 'string' },
    data: { type: 'string' },
    ack: { type: 'boolean' },
    ttl: { type: 'string' },
    priority: { type: 'string' },
    id: { type: 'string' },
    'store-if-offline': { type: 'boolean' },
    registry: { type: 'string' },
  },
  async run(v) {
    const to = recipient(v);
    const payload = jsonData(v);
    const priority = priorityArg(v);
    const client = new PushClient({
      registryUrl: (v.registry as string | undefined) ?? endpoints.registryUrl(),
      serviceToken: endpoints.serviceToken(),
    });
    try {
      const storeIfOffline = v['store-if-offline'] === true;
      const options = { ack: v.ack === true, ttlSeconds: positiveInt(v, 'ttl'), priority, id: v.id as string | undefined, storeIfOffline };
      // Done as asked: delivered now, or (when asked for) kept for the device.
      const delivered = (status: string) => status === 'delivered' || status === 'acknowledged' || (storeIfOffline && status === 'stored');
      if ('account' in to) {
        // One line for the account: every live device with its own status.
        const result = await client.sendToAccount(to.account, payload, options);
        printJson(result);
        return result.results.length > 0 && result.results.every((r) => delivered(r.status)) ? 0 : 2;
      }
      const result = await client.send(to.device, payload, options);
      printJson(result);
      return delivered(result.status) ? 0 : 2;
    } finally {
      await client.close();
    }
  },
};

/** Whom `send` pushes to: one device (`--device`, of `--account` or the default account), or every device of `--account`. */
function recipient(v: Record<string, unknown>): { device: PushTarget } | { account: string } {
  if (v['device'] !== undefined) return { device: deviceTarget(v) };
  const account = v['account'];
  if (typeof account === 'string' && account !== '') return { account };
  throw new UsageError('give --device D (a device of --account A, default a1) or --account A alone (every device of A)');
}
