import { DeviceListResponse, Validators, Validator } from '@pushwire/protocol';
import { joinUrl, JsonHttpClient, ServiceCallError } from '@pushwire/service-http';
import { printJson, required, type Command } from './cli';
import { endpoints } from './endpoints';

const deviceListResponse = new Validator(DeviceListResponse, 'device list response');

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
    const url = joinUrl(base, 'v1', 'accounts', accountId, 'devices');
    const http = new JsonHttpClient({ serviceToken: endpoints.serviceToken() });
    try {
      const res = await http.call('GET', url, { validator: deviceListResponse });
      if (res.status !== 200) {
        const error = Validators.errorBody.is(res.body) ? res.body.error : { code: undefined, message: `HTTP ${res.status}` };
        const hint = res.status === 401 ? ' (check PUSHWIRE_SERVICE_TOKEN)' : '';
        process.stderr.write(
          `pushctl: the device list refused (${res.status}${error.code ? ` ${error.code}` : ''}): ${error.message}${hint}\n`,
        );
        return 1;
      }
      for (const device of res.body.devices) printJson(device);
      process.stderr.write(`pushctl: ${res.body.devices.length} device(s) online in account ${accountId}\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof ServiceCallError)) throw e;
      // No status: nothing answered (refused, timed out). With one: the answer was not what the API promises.
      const what =
        e.status === undefined ? `cannot reach the device list at ${base} (PUSHWIRE_DEVICE_LIST_URL)` : 'the device list answered badly';
      process.stderr.write(`pushctl: ${what}: ${e.message}\n`);
      return 1;
    } finally {
      await http.close();
    }
  },
};
