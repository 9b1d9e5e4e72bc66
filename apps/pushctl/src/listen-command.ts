import { DeviceClient } from '@pushwire/device-client';
import { positiveInt, printJson, required, type Command } from './cli';
import { endpoints, mintToken } from './endpoints';

export const listenCommand: Command = {
  name: 'listen',
  summary: 'connect as a device and print every frame received as one JSON line',
  usage: 'pushctl listen --account A --device D [--type tv] [--name N] [--count N] [--sse] [--first-frame-auth] [--edge URL]',
  options: {
    account: { type: 'string' },
    device: { type: 'string' },
    type: { type: 'string' },
    name: { type: 'string' },
    count: { type: 'string' },
    sse: { type: 'boolean' },
    'first-frame-auth': { type: 'boolean' },
    edge: { type: 'string' },
  },
  async run(v) {
    const accountId = required(v, 'account');
    const deviceId = required(v, 'device');
    const count = positiveInt(v, 'count');
    const sse = v.sse === true;
    const client = new DeviceClient({
      url: (v.edge as string | undefined) ?? endpoints.edgeUrl(),
      // A fresh token per (re)connect, like a real device refreshing its credential.
      token: () =>
        mintToken({
          accountId,
          deviceId,
          deviceType: (v.type as string | undefined) ?? 'tv',
          deviceName: v.name as string | undefined,
        }),
      transport: sse ? 'sse' : 'websocket',
      ...(v['first-frame-auth'] ? { auth: 'first-frame' as const } : {}),
      autoAck: false,
    });
    let received = 0;
    return new Promise<number>((resolve) => {
      const finish = (code: number) => {
        client.close().then(
          () => resolve(code),
          () => resolve(code),
        );
      };
      client.on('frame', (frame) => printJson(frame));
      client.on('push', async (push) => {
        // Ack before counting, so `--count 1` never exits with the sender still waiting for a receipt.
        if (push.ackRequired) await client.ack(push.id);
        received++;
        if (count !== undefined && received >= count) finish(0);
      });
      client.on('close', (info) => {
        if (!info.willReconnect) process.stderr.write(`pushctl: connection closed (${info.code} ${info.reason}); not reconnecting\n`);
        else process.stderr.write(`pushctl: connection closed (${info.code} ${info.reason}); reconnecting in ${info.delayMs} ms\n`);
      });
      client.on('replaced', () => finish(3));
      process.once('SIGINT', () => finish(130));
      client.connect().then(
        (welcome) =>
          process.stderr.write(
            `pushctl: connected to ${welcome.deviceId} as connection ${welcome.connectionId}; waiting for pushes${count ? ` (${count})` : ''}\n`,
          ),
        (err: Error) => {
          process.stderr.write(`pushctl: cannot connect: ${err.message}\n`);
          finish(1);
        },
      );
    });
  },
};
