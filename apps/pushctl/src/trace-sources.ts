import { JOURNAL_STAGES, Validators, type DeviceRef, type JournalEvent } from '@pushwire/protocol';
import { HttpRegistryClient } from '@pushwire/registry-client';
import { joinUrl, JsonHttpClient } from '@pushwire/service-http';

/** One service process asked for a message's journal, and what it answered. */
export interface SourceAnswer {
  /** What pushctl calls it: processor, registry, edge. */
  readonly role: string;
  readonly url: string;
  /** The service that answered and its events; undefined when it did not answer usably. */
  readonly service?: string;
  readonly events: JournalEvent[];
  /** Why it did not answer (unreachable, refused …). */
  readonly problem?: string;
}

/** Asks one service's `GET /v1/messages/:id/events`; never rejects: a failure is its `problem`. */
export async function askSource(http: JsonHttpClient, role: string, url: string, messageId: string): Promise<SourceAnswer> {
  try {
    const res = await http.call('GET', joinUrl(url, 'v1', 'messages', messageId, 'events'));
    if (res.status === 200 && Validators.messageEventsResponse.is(res.body))
      return { role, url, service: res.body.service, events: res.body.events };
    if (Validators.errorBody.is(res.body)) {
      const hint = res.status === 401 ? ' (check PUSHWIRE_SENDER_TOKENS or PUSHWIRE_SERVICE_TOKEN)' : '';
      return { role, url, events: [], problem: `refused (${res.status} ${res.body.error.code}): ${res.body.error.message}${hint}` };
    }
    return {
      role,
      url,
      events: [],
      problem: `answered HTTP ${res.status} without a journal (an older version, or not a Pushwire service)`,
    };
  } catch (e) {
    return { role, url, events: [], problem: (e as Error).message };
  }
}

/**
 * The internal URLs of the edges the message's devices are connected to now, found through the
 * registry's lookup (a sender's route): the edges a stored message is delivered by. Empty when the
 * registry cannot tell.
 */
export async function edgesOfDevices(registryUrl: string, serviceToken: string, events: readonly JournalEvent[]): Promise<string[]> {
  const devices = new Map<string, DeviceRef>();
  for (const e of events)
    if (e.accountId && e.deviceId) devices.set(`${e.accountId}/${e.deviceId}`, { accountId: e.accountId, deviceId: e.deviceId });
  if (devices.size === 0) return [];
  const registry = new HttpRegistryClient({ baseUrl: registryUrl, serviceToken, timeoutMs: 5000 });
  try {
    const { registrations } = await registry.lookup([...devices.values()]);
    return [...new Set(registrations.map((r) => r.edgeUrl))];
  } catch {
    return [];
  } finally {
    await registry.close();
  }
}

/** Every event once: the all-in-one answers its one journal on every port, and an edge may be asked twice. */
export function uniqueInTimeOrder(answers: readonly SourceAnswer[]): JournalEvent[] {
  const seen = new Set<string>();
  const out: JournalEvent[] = [];
  for (const a of answers)
    for (const e of a.events) {
      const key = JSON.stringify([e.service, e.stage, e.at, e.detail ?? null]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
  // Events of one millisecond in the order of a life (an in-memory queue hands a message to the
  // processor before its publisher hears it was appended: `dequeued` may be recorded before `accepted`).
  return out.sort((a, b) => a.at - b.at || rank(a) - rank(b));
}

const rank = (e: JournalEvent) => JOURNAL_STAGES.indexOf(e.stage);
