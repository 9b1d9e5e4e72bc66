import { DeviceClient, type DeviceClientError } from '@pushwire/device-client';
import type { ServerFrameOf } from '@pushwire/protocol';
import { positiveInt, printJson, required, UsageError, type Command } from './cli';
import { DEVICE_OPTIONS, deviceToken, EDGE_OPTIONS, edgeUrlsArg, transportArg } from './device-args';
import { FileDedupeStorage } from './file-dedupe-storage';
import { followTopics, LISTEN_TOPIC_OPTIONS, listenTopicsArg } from './listen-topics';

/** Frames printed from the SDK's events (once each) rather than as they arrive. */
const PRINTED_FROM_EVENTS = new Set(['push', 'd2d.message', 'broadcast', 'topic.message']);

/** Exit codes of `listen` besides 0 (--count reached): the connection ended for good. */
const EXIT = { error: 1, replaced: 3, interrupted: 130 } as const;

export const listenCommand: Command = {
  name: 'listen',
  summary: 'connect as a device and print every frame received as one JSON line; keeps listening across reconnects',
  usage:
    'pushctl listen --account A --device D [--type tv] [--name N] [--count N] [--sse] [--first-frame-auth] ' +
    '[--url URL]... [--dedup-file PATH] [--topic T]... [--since OFFSET@EPOCH] [--allow PATTERN]...\n' +
    '  --url (or --edge) may be given several times: the device fails over between those edges.\n' +
    '  --dedup-file remembers the ids of pushes, device messages and broadcasts already printed, across runs.\n' +
    '  --topic (repeatable) subscribes to a topic (the dev token allows exactly these topics); each message is\n' +
    '  printed as {"type":"topic.message",...}, and after every reconnect {"type":"topic.recovery",...}.\n' +
    '  --since resumes the topics after the offset@epoch of the last message you have (recovery).\n' +
    "  --allow (repeatable) makes the dev token allow these patterns instead (e.g. 'live:*'), to try a refusal.\n" +
    '  Runs until --count pushes, topic messages and broadcasts arrived (exit 0), Ctrl-C (130), or the\n' +
    '  connection ends for good: replaced by another connection of the device (3), token refused, a topic\n' +
    '  refused or another terminal error (1).',
  options: {
    ...DEVICE_OPTIONS,
    ...EDGE_OPTIONS,
    edge: { type: 'string', multiple: true },
    url: { type: 'string', multiple: true },
    device: { type: 'string' },
    count: { type: 'string' },
    'first-frame-auth': { type: 'boolean' },
    'dedup-file': { type: 'string' },
    ...LISTEN_TOPIC_OPTIONS,
  },
  async run(v) {
    const accountId = required(v, 'account');
    const deviceId = required(v, 'device');
    const count = positiveInt(v, 'count');
    const dedupFile = v['dedup-file'];
    if (dedupFile !== undefined && (typeof dedupFile !== 'string' || dedupFile === '')) throw new UsageError('--dedup-file needs a path');
    const topics = listenTopicsArg(v);
    const storage = dedupFile ? FileDedupeStorage.open(dedupFile) : undefined;
    const client = new DeviceClient({
      url: edgeUrlsArg(v),
      // A fresh token per (re)connect, like a real device refreshing its credential.
      token: () => deviceToken(v, { accountId, deviceId, defaultType: 'tv', topics: topics.allowed }),
      transport: transportArg(v),
      ...(v['first-frame-auth'] ? { auth: 'first-frame' as const } : {}),
      autoAck: false,
      ...(storage ? { dedupeStorage: storage, dedupeKey: `${accountId}/${deviceId}` } : {}),
    });
    let received = 0;
    let lastError: DeviceClientError | ServerFrameOf<'error'> | undefined;
    return new Promise<number>((resolve) => {
      let finishing = false;
      const finish = (code: number) => {
        if (finishing) return;
        finishing = true;
        process.off('SIGINT', interrupted);
        client.close().then(
          () => resolve(code),
          () => resolve(code),
        );
      };
      const interrupted = () => finish(EXIT.interrupted);
      const counted = () => {
        received++;
        if (count !== undefined && received >= count) finish(0);
      };
      // Messages are printed from their events, which the SDK de-duplicates (topic messages: per offset).
      client.on('frame', (frame) => {
        if (!PRINTED_FROM_EVENTS.has(frame.type)) printJson(frame);
      });
      client.on('d2d.message', (message) => printJson(message));
      client.on('push', async (push) => {
        printJson(push);
        // Ack before counting, so `--count 1` never exits with the sender still waiting for a receipt.
        if (push.ackRequired) await client.ack(push.id);
        counted();
      });
      client.on('broadcast', (broadcast) => (printJson(broadcast), counted()));
      followTopics(
        client,
        topics,
        (message) => (printJson(message), counted()),
        (why) => {
          process.stderr.write(`pushctl: ${why}\n`);
          finish(EXIT.error);
        },
      );
      client.on('error', (e) => void (lastError = e));
      client.on('welcome', (welcome) => {
        const on = topics.topics.length ? ` and topics ${topics.topics.join(', ')}` : '';
        const waiting = `waiting for pushes${on}${count ? ` (${received}/${count})` : ''}`;
        process.stderr.write(`pushctl: connected to ${welcome.deviceId} as connection ${welcome.connectionId}; ${waiting}\n`);
      });
      client.on('close', (info) => {
        if (finishing) return;
        if (info.willReconnect) {
          const why = lastError && 'message' in lastError ? `: ${lastError.message}` : '';
          process.stderr.write(`pushctl: connection closed (${info.code} ${info.reason}${why}); reconnecting in ${info.delayMs} ms\n`);
          lastError = undefined;
          return;
        }
        // The SDK stopped for good: a newer connection replaced this one (4001), or the token was refused.
        const replaced = info.code === 4001;
        const why = replaced
          ? 'replaced by a newer connection of this device'
          : (lastError?.message ?? `closed ${info.code} ${info.reason}`);
        process.stderr.write(`pushctl: connection ended for good (${why}); not reconnecting\n`);
        finish(replaced ? EXIT.replaced : EXIT.error);
      });
      process.on('SIGINT', interrupted);
      client.connect().catch((err: Error) => {
        if (finishing) return;
        process.stderr.write(`pushctl: cannot connect: ${err.message}\n`);
        finish(EXIT.error);
      });
    });
  },
};
