import { Validators, type JournalEvent } from '@pushwire/protocol';
import { JsonHttpClient } from '@pushwire/service-http';
import { printJson, UsageError, type Command } from './cli';
import { endpoints } from './endpoints';
import { askSource, edgesOfDevices, uniqueInTimeOrder, type SourceAnswer } from './trace-sources';

/**
 * `pushctl trace <messageId>`: a message's life as the services recorded it in their journals
 * (GET /v1/messages/:id/events): the processor, the registry, and every edge named with --edge or
 * found through the registry (the edge its device is connected to now). On `npm start` the
 * processor's answer is the whole process's journal. One line per event in time order.
 */
export const traceCommand: Command = {
  name: 'trace',
  summary: "a message's life by id: accepted, routed, stored, written, delivered … with times and services",
  usage: [
    'pushctl trace <messageId> [--processor URL] [--registry URL] [--edge URL]… [--json]',
    '  Asks the processor, the registry and edges (--edge: internal URLs, e.g. http://edge-1:8081; the edge a',
    '  device of the message is connected to is found through the registry). A service that does not answer is',
    '  named on stderr. Exit 1 when no service knows the id (journals forget a message idle for',
    '  PUSHWIRE_JOURNAL_MAX_AGE_SECONDS, 15 min by default). --json: one JSON line per event.',
  ].join('\n'),
  positional: 'messageId',
  options: {
    processor: { type: 'string' },
    registry: { type: 'string' },
    edge: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(v) {
    const messageId = v.messageId as string | undefined;
    if (!messageId) throw new UsageError('name the message: pushctl trace <messageId>');
    if (!Validators.messageEventsParams.is({ messageId }))
      throw new UsageError(`"${messageId.slice(0, 140)}" is not a message id (1–128 of A-Z a-z 0-9 . _ : @ -)`);
    const token = endpoints.serviceToken();
    const registryUrl = (v.registry as string | undefined) ?? endpoints.registryUrl();
    const sources: [string, string][] = [
      ['processor', (v.processor as string | undefined) ?? endpoints.processorUrl()],
      ['registry', registryUrl],
      ...((v.edge as string[] | undefined) ?? []).map((url): [string, string] => ['edge', url]),
    ];
    const http = new JsonHttpClient({ serviceToken: token, timeoutMs: 5000 });
    try {
      const answers = await Promise.all(sources.map(([role, url]) => askSource(http, role, url, messageId)));
      const asked = new Set(sources.map(([, url]) => url.replace(/\/+$/, '')));
      const more = (
        await edgesOfDevices(
          registryUrl,
          token,
          answers.flatMap((a) => a.events),
        )
      ).filter((url) => !asked.has(url));
      answers.push(...(await Promise.all(more.map((url) => askSource(http, 'edge', url, messageId)))));
      for (const a of answers) if (a.problem) process.stderr.write(`pushctl: ${a.role} at ${a.url} did not answer: ${a.problem}\n`);
      const events = uniqueInTimeOrder(answers);
      if (events.length === 0) {
        process.stderr.write(`pushctl: no service knows message ${messageId} (asked ${describeAsked(answers)})\n`);
        return 1;
      }
      if (v.json) for (const e of events) printJson(e);
      else process.stdout.write(render(messageId, events));
      return 0;
    } finally {
      await http.close();
    }
  },
};

const describeAsked = (answers: readonly SourceAnswer[]) => answers.map((a) => `${a.role} ${a.url}`).join(', ');

/** The life as text: a heading (message, device, trace id once), then time, +offset, service, stage, details. */
export function render(messageId: string, events: readonly JournalEvent[]): string {
  const first = events[0]!;
  const device = events.find((e) => e.deviceId);
  const traceIds = [...new Set(events.flatMap((e) => (e.traceId ? [e.traceId] : [])))];
  const heading = [
    `message ${messageId}`,
    device ? `device ${device.deviceId} of account ${device.accountId}` : undefined,
    traceIds.length ? `trace ${traceIds.join(', ')}` : 'no trace id recorded',
  ].filter(Boolean);
  const serviceWidth = Math.max(...events.map((e) => e.service.length));
  const stageWidth = Math.max(...events.map((e) => e.stage.length));
  const lines = events.map((e) =>
    [
      new Date(e.at).toISOString(),
      `+${e.at - first.at} ms`.padStart(10),
      e.service.padEnd(serviceWidth),
      e.stage.padEnd(stageWidth),
      Object.entries(e.detail ?? {})
        .map(([k, val]) => `${k}=${val}`)
        .join(' '),
    ]
      .join('  ')
      .trimEnd(),
  );
  return `${heading.join('  ')}\n${lines.join('\n')}\n`;
}
