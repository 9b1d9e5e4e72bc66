import { MAX_TOKEN_TOPIC_PATTERNS, TopicPattern, Validator } from '@pushwire/protocol';
import { positiveInt, required, UsageError, type Command } from './cli';
import { DEVICE_OPTIONS, deviceToken } from './device-args';

const topicPattern = new Validator(TopicPattern, 'topic pattern');

export const tokenCommand: Command = {
  name: 'token',
  summary: 'print a development device token (JWT, HS256)',
  usage: [
    'pushctl token --account A --device D [--type tv] [--name "Living room"] [--ttl SECONDS] [--topic PATTERN]…',
    '  --topic (repeatable): a topic the device may subscribe to; * stands for any run of characters (live:*).',
  ].join('\n'),
  options: { ...DEVICE_OPTIONS, device: { type: 'string' }, ttl: { type: 'string' }, topic: { type: 'string', multiple: true } },
  async run(v) {
    const token = await deviceToken(v, {
      accountId: required(v, 'account'),
      deviceId: required(v, 'device'),
      defaultType: 'tv',
      ttlSeconds: positiveInt(v, 'ttl') ?? 3600,
      topics: topicPatterns(v),
    });
    process.stdout.write(`${token}\n`);
    return 0;
  },
};

/** Every `--topic`, checked: the `topics` claim an edge accepts (patterns, at most MAX_TOKEN_TOPIC_PATTERNS). */
export function topicPatterns(v: Record<string, unknown>): string[] | undefined {
  const patterns = v.topic as string[] | undefined;
  if (!patterns?.length) return undefined;
  if (patterns.length > MAX_TOKEN_TOPIC_PATTERNS)
    throw new UsageError(`at most ${MAX_TOKEN_TOPIC_PATTERNS} --topic, got ${patterns.length}`);
  for (const p of patterns) {
    if (!topicPattern.is(p))
      throw new UsageError(`--topic must be a topic pattern: letters, digits, _ . : @ - and * (at most 128), got "${p}"`);
  }
  return patterns;
}
