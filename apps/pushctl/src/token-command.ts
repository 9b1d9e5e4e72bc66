import { positiveInt, required, type Command } from './cli';
import { mintToken } from './endpoints';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'print a development device token (JWT, HS256)',
  usage: 'pushctl token --account A --device D [--type tv] [--name "Living room"] [--ttl SECONDS]',
  options: {
    account: { type: 'string' },
    device: { type: 'string' },
    type: { type: 'string' },
    name: { type: 'string' },
    ttl: { type: 'string' },
  },
  async run(v) {
    const token = await mintToken({
      accountId: required(v, 'account'),
      deviceId: required(v, 'device'),
      deviceType: (v.type as string | undefined) ?? 'tv',
      deviceName: v.name as string | undefined,
      ttlSeconds: positiveInt(v, 'ttl') ?? 3600,
    });
    process.stdout.write(`${token}\n`);
    return 0;
  },
};
