import { DeviceClient } from '@pushwire/device-client';
import { positiveInt, printJson, required, type Command } from './cli';
import { DEVICE_OPTIONS, deviceToken, EDGE_OPTIONS, edgeUrlArg, transportArg } from './device-args';

export const listenCommand: Command = {
  name: 'listen',
  summary: 'connect as a device and print every frame received as one JSON line',
  usage: 'pushctl listen --account A --device D [--type tv] [--name N] [--count N] [--sse] [--first-frame-auth] [--edge URL]',
  options: {
    ...DEVICE_OPTIONS,
    ...EDGE_OPTIONS,
    device: { type: 'string' },
    count: { type: 'string' },
    'first-frame-auth': { type: 'boolean' },
  },
  async run(v) {
    const accountId = required(v, 'account');
    const deviceId = required(v, 'device');
    const count = positiveInt(v, 'count');
    const client = new DeviceClient({
      url: edgeUrlArg(v),
      // A fresh token per (re)connect, like a real device refreshing its credential.
      token: () => deviceToken(v, { accountId, deviceId, defaultType: 'tv' }),
      transport: transportArg(v),
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
