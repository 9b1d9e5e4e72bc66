import { Validators } from '@pushwire/protocol';
import { DeviceListClient } from '@pushwire/device-list-client';
import { ServiceCallError } from '@pushwire/service-http';
import { printJson, required, type Command } from './cli';
import { endpoints } from './endpoints';

export const devicesCommand: Command = {
  name: 'devices',
  summary: 'list the online devices of an account (device-list API), one JSON line per device',
  usage: 'pushctl devices --account A [--device-list URL]',
  options: {
    account: { type: 'string' },
    'device-list': { type: 'string' },
  },
  async run(v) {
    const accountId = required(v, 'account');
    const base = (v['device-list'] as string | undefined) ?? endpoints.deviceListUrl();
    const client = new DeviceListClient({ baseUrl: base, serviceToken: endpoints.serviceToken(), timeoutMs: 5000 });
    try {
      const devices = await client.list(accountId);
      for (const device of devices) printJson(device);
      process.stderr.write(`pushctl: ${devices.length} device(s) online in account ${accountId}\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof ServiceCallError)) throw e;
      process.stderr.write(`pushctl: ${explain(e, base)}\n`);
      return 1;
    } finally {
      await client.close();
    }
  },
};

/** What went wrong, in the user's terms: nothing answered, the service refused, or it answered badly. */
function explain(e: ServiceCallError, base: string): string {
  if (e.code === 'unreachable') return `cannot reach the device list at ${base} (PUSHWIRE_DEVICE_LIST_URL): ${e.message}`;
  const status = e.status ?? 0;
  // A refusal is the service's own error body, or a 4xx from whatever answers at that URL; a 5xx
  // without a body (a proxy) or a 2xx off the contract is a bad answer.
  if (Validators.errorBody.is(e.body)) {
    const hint = status === 401 ? ' (check PUSHWIRE_SERVICE_TOKEN)' : '';
    return `the device list refused (${status} ${e.body.error.code}): ${e.body.error.message}${hint}`;
  }
  if (status >= 400 && status < 500) return `the device list refused (${status}): HTTP ${status}`;
  return `the device list answered badly: ${e.message}`;
}
