import { positiveInt, required, type Command } from './cli';
import { DEVICE_OPTIONS, deviceToken } from './device-args';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'print a development device token (JWT, HS256)',
  usage: 'pushctl token --account A --device D [--type tv] [--name "Living room"] [--ttl SECONDS]',
  options: { ...DEVICE_OPTIONS, device: { type: 'string' }, ttl: { type: 'string' } },
  async run(v) {
    const token = await deviceToken(v, {
      accountId: required(v, 'account'),
      deviceId: required(v, 'device'),
      defaultType: 'tv',
      ttlSeconds: positiveInt(v, 'ttl') ?? 3600,
    });
    process.stdout.write(`${token}\n`);
    return 0;
  },
};
