import { createParser } from 'eventsource-parser';
import { bearer, joinUrl } from '@pushwire/service-http';
import { positiveInt, printJson, type Command } from './cli';
import { deviceTarget, DEVICE_USAGE } from './device-arg';
import { endpoints } from './endpoints';

export const outcomesCommand: Command = {
  name: 'outcomes',
  summary: 'follow indirect-push outcomes (pushwire.push-outcomes) as JSON lines',
  usage: [
    'pushctl outcomes [--device D] [--account A] [--count N] [--processor URL]',
    `  Only the outcomes of one device: ${DEVICE_USAGE}`,
    '  --account A alone: the outcomes of every device of account A.',
  ].join('\n'),
  options: {
    device: { type: 'string' },
    account: { type: 'string' },
    count: { type: 'string' },
    processor: { type: 'string' },
  },
  async run(v) {
    const device = v.device !== undefined ? deviceTarget(v) : undefined;
    const account = device?.accountId ?? (v.account as string | undefined);
    const what = device ? ` of ${device.deviceId} in account ${device.accountId}` : account ? ` of account ${account}` : '';
    const count = positiveInt(v, 'count');
    const url = joinUrl((v.processor as string | undefined) ?? endpoints.processorUrl(), 'v1', 'outcomes');
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const res = await fetch(url, {
      headers: { authorization: bearer(endpoints.serviceToken()), accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) {
      process.stderr.write(`pushctl: ${url} answered ${res.status}: ${await res.text()}\n`);
      return 1;
    }
    process.stderr.write(`pushctl: following outcomes${what}${count ? ` (${count})` : ''}; Ctrl-C to stop\n`);
    let seen = 0;
    const parser = createParser({
      onEvent: (event) => {
        const outcome = JSON.parse(event.data) as { target?: { accountId?: string; deviceId?: string } };
        if (account !== undefined && outcome.target?.accountId !== account) return;
        if (device && outcome.target?.deviceId !== device.deviceId) return;
        printJson(outcome);
        if (count && ++seen >= count) abort.abort();
      },
    });
    const decoder = new TextDecoder();
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    }
    if (abort.signal.aborted) return 0;
    process.stderr.write('pushctl: the processor ended the stream\n');
    return 1;
  },
};
