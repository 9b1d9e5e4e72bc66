import { positiveInt, printJson, type Command } from './cli';
import { deviceTarget, DEVICE_USAGE } from './device-arg';
import { openOutcomeStream } from './outcome-stream';

export const outcomesCommand: Command = {
  name: 'outcomes',
  summary: 'follow indirect-push outcomes (pushwire.push-outcomes) as JSON lines',
  usage: [
    'pushctl outcomes [--device D] [--account A] [--id MESSAGE_ID] [--count N] [--processor URL]',
    `  Only the outcomes of one device: ${DEVICE_USAGE}`,
    '  --account A alone: the outcomes of every device of account A. --id: of one message.',
  ].join('\n'),
  options: {
    device: { type: 'string' },
    account: { type: 'string' },
    id: { type: 'string' },
    count: { type: 'string' },
    processor: { type: 'string' },
  },
  async run(v) {
    const device = v.device !== undefined ? deviceTarget(v) : undefined;
    const account = device?.accountId ?? (v.account as string | undefined);
    const id = v.id as string | undefined;
    const what = `${id ? ` of message ${id}` : ''}${device ? ` of ${device.deviceId} in account ${device.accountId}` : account ? ` of account ${account}` : ''}`;
    const count = positiveInt(v, 'count');
    const stream = await openOutcomeStream(v.processor as string | undefined);
    process.stderr.write(`pushctl: following outcomes${what}${count ? ` (${count})` : ''}; Ctrl-C to stop\n`);
    let seen = 0;
    const aborted = await stream.read((outcome) => {
      if (account !== undefined && outcome.target?.accountId !== account) return;
      if (device && outcome.target?.deviceId !== device.deviceId) return;
      if (id !== undefined && outcome.messageId !== id) return;
      printJson(outcome);
      if (count && ++seen >= count) stream.abort.abort();
    });
    if (aborted) return 0;
    process.stderr.write('pushctl: the processor ended the stream\n');
    return 1;
  },
};
