import { randomUUID } from 'node:crypto';
import { TopicName, Validator, Validators, type PublishRequest } from '@pushwire/protocol';
import { optional, positiveInt, required, UsageError, type Command } from './cli';
import { jsonData, priorityArg } from './json-arg';
import { checkedBody, postToTopicLog } from './topic-post';

const topicName = new Validator(TopicName, 'topic');

/** The flag behind each field of a publish or broadcast body, for usage errors. */
export const BODY_FLAGS = { payload: '--data', id: '--id', ttlSeconds: '--ttl', priority: '--priority', deviceTypes: '--device-type' };

export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish a message to every device subscribed to a topic; prints {"topic","id","offset","epoch"}',
  usage: [
    "pushctl publish --topic T --data '<json>' [--ttl SECONDS] [--id MESSAGE_ID] [--priority high|normal|low] [--processor URL]",
    '  --topic: letters, digits and _ . : @ - (e.g. live:m1). --ttl: how long edges keep it for devices',
    '  recovering a gap (default 300). The offset and epoch say where it landed in the topic log.',
  ].join('\n'),
  options: {
    topic: { type: 'string' },
    data: { type: 'string' },
    ttl: { type: 'string' },
    id: { type: 'string' },
    priority: { type: 'string' },
    processor: { type: 'string' },
  },
  async run(v) {
    const topic = required(v, 'topic');
    if (!topicName.is(topic))
      throw new UsageError(`--topic must be letters, digits and _ . : @ -, starting with a letter or digit (at most 128), got "${topic}"`);
    const priority = priorityArg(v);
    const ttlSeconds = positiveInt(v, 'ttl');
    const body: PublishRequest = checkedBody(
      Validators.publishRequest,
      {
        payload: jsonData(v),
        id: optional(v, 'id') ?? randomUUID(),
        ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
        ...(priority ? { priority } : {}),
      },
      BODY_FLAGS,
    );
    return postToTopicLog(
      'publish',
      optional(v, 'processor'),
      ['v1', 'topics', topic, 'messages'],
      body,
      Validators.publishResult,
      (r) => ({
        topic: r.topic,
        id: r.id,
        offset: r.offset,
        epoch: r.epoch,
      }),
    );
  },
};
