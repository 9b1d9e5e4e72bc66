import type { ConsumedRecord } from '@pushwire/event-bus';
import { deviceRefKey, parseJson, ProtocolValidationError, Validators, type PushRequestRecord } from '@pushwire/protocol';

/** One decoded request of a batch, in offset order. `collapsedBy` is set when a newer one replaces it. */
export interface PlannedRequest {
  readonly record: ConsumedRecord;
  readonly request: PushRequestRecord;
  readonly collapsedBy?: string;
}

/** A record that is not a valid push request, and why. */
export interface InvalidRecord {
  readonly record: ConsumedRecord;
  readonly detail: string;
}

/** A partition's batch, sorted out: invalid records, and valid ones grouped per target in order. */
export interface BatchPlan {
  readonly invalid: InvalidRecord[];
  /**
   * Target device (deviceRefKey: account and id) → its requests in offset order, handled one after
   * the other (per-target order). Two accounts' devices of the same id are two targets: their
   * messages never collapse into each other.
   */
  readonly byTarget: Map<string, PlannedRequest[]>;
}

/**
 * Parses and validates one record; the record key must be the target device's deviceRefKey,
 * `<accountId>/<deviceId>` (it picks the partition, hence the order).
 */
export function decodePushRequest(record: ConsumedRecord): PushRequestRecord | InvalidRecord {
  let json: unknown;
  try {
    json = parseJson(record.value, 'value'); // also refuses a value nested deeper than MAX_JSON_DEPTH
  } catch (e) {
    if (!(e instanceof ProtocolValidationError)) throw e;
    return { record, detail: e.code === 'invalid_json' ? `value is not JSON: ${(e.cause as Error).message}` : e.message };
  }
  try {
    const request = Validators.pushRequestRecord.decode(json);
    const key = deviceRefKey(request.target);
    if (record.key !== key) {
      return { record, detail: `record key ${JSON.stringify(record.key)} is not the target device's key ${JSON.stringify(key)}` };
    }
    return request;
  } catch (e) {
    if (e instanceof ProtocolValidationError) return { record, detail: e.message };
    throw e;
  }
}

/**
 * Decodes a batch and groups it per target. Of several requests to one target with the same
 * collapse key, only the newest in the batch is delivered; the older ones are marked collapsed.
 */
export function planBatch(records: readonly ConsumedRecord[]): BatchPlan {
  const invalid: InvalidRecord[] = [];
  const byTarget = new Map<string, PlannedRequest[]>();
  for (const record of records) {
    const decoded = decodePushRequest(record);
    if ('detail' in decoded) {
      invalid.push(decoded);
      continue;
    }
    const target = deviceRefKey(decoded.target);
    let list = byTarget.get(target);
    if (!list) byTarget.set(target, (list = []));
    list.push({ record, request: decoded });
  }
  for (const list of byTarget.values()) {
    const newest = new Map<string, string>();
    for (let i = list.length - 1; i >= 0; i--) {
      const { request } = list[i]!;
      if (request.collapseKey === undefined) continue;
      const winner = newest.get(request.collapseKey);
      if (winner === undefined) newest.set(request.collapseKey, request.message.id);
      else list[i] = { ...list[i]!, collapsedBy: winner };
    }
  }
  return { invalid, byTarget };
}
