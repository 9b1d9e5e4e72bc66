import { DeviceClient, DeviceClientError } from '@pushwire/device-client';
import { printJson, required, type Command } from './cli';
import { endpoints, mintToken } from './endpoints';
import { jsonData } from './json-arg';

export const d2dCommand: Command = {
  name: 'd2d',
  summary: 'connect as one device and send a message to another device of its account; prints the status as one JSON line',
  usage: "pushctl d2d --account A --from D1 --to D2 --data '<json>' [--type phone] [--sse] [--edge URL]",
  options: {
    account: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    data: { type: 'string' },
    type: { type: 'string' },
    sse: { type: 'boolean' },
    edge: { type: 'string' },
  },
  async run(v) {
    const accountId = required(v, 'account');
    const from = required(v, 'from');
    const to = required(v, 'to');
    const payload = jsonData(v);
    const url = (v.edge as string | undefined) ?? endpoints.edgeUrl();
    const token = await mintToken({
      accountId,
      deviceId: from,
      deviceType: (v.type as string | undefined) ?? 'phone',
    });
    // One message, then exit: a refused or dropped connection is an answer, not something to retry.
    const client = new DeviceClient({ url, token, transport: v.sse === true ? 'sse' : 'websocket', reconnect: { enabled: false } });
    try {
      try {
        await client.connect();
      } catch (e) {
        process.stderr.write(`pushctl: cannot connect to ${url} as ${from}: ${(e as Error).message}\n`);
        return 1;
      }
      let status;
      try {
        status = await client.sendToDevice(to, payload);
      } catch (e) {
        if (!(e instanceof DeviceClientError)) throw e;
        process.stderr.write(`pushctl: d2d to ${to} failed (${e.code}): ${e.message}\n`);
        return 1;
      }
      printJson({ status });
      return status === 'delivered' || status === 'acknowledged' ? 0 : 2;
    } finally {
      await client.close();
    }
  },
};
