import { randomUUID } from 'node:crypto';
import { Validators, type BroadcastRequest } from '@pushwire/protocol';
import { optional, positiveInt, type Command } from './cli';
import { jsonData } from './json-arg';
import { BODY_FLAGS } from './publish-command';
import { checkedBody, postToTopicLog } from './topic-post';

export const broadcastCommand: Command = {
  name: 'broadcast',
  summary: 'send a message to every connected device (or those of --device-type); prints {"id","offset","epoch"}',
  usage: [
    "pushctl broadcast --data '<json>' [--device-type T]… [--ttl SECONDS] [--id MESSAGE_ID] [--processor URL]",
    '  --device-type (repeatable): only devices of these types (tv, phone …); default every device.',
  ].join('\n'),
  options: {
    data: { type: 'string' },
    'device-type': { type: 'string', multiple: true },
    ttl: { type: 'string' },
    id: { type: 'string' },
    processor: { type: 'string' },
  },
  async run(v) {
    const ttlSeconds = positiveInt(v, 'ttl');
    const deviceTypes = v['device-type'] as string[] | undefined;
    const body: BroadcastRequest = checkedBody(
      Validators.broadcastRequest,
      {
        payload: jsonData(v),
        id: optional(v, 'id') ?? randomUUID(),
        ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
        ...(deviceTypes?.length ? { deviceTypes } : {}),
      },
      BODY_FLAGS,
    );
    return postToTopicLog('broadcast', optional(v, 'processor'), ['v1', 'broadcasts'], body, Validators.broadcastResult, (r) => ({
      id: r.id,
      offset: r.offset,
      epoch: r.epoch,
    }));
  },
};
