import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { KnownEdge } from '../device-list-store';
import type { DeviceRecord } from '../device-record';
import { EDGE_INDEX_KEY, EDGES_PARTITION, EXPIRES_AT, PARTITION_KEY, SORT_KEY } from './table-layout';

export type Item = Record<string, AttributeValue>;

/**
 * The item of a device's state. Online: `onlineEdgeId` puts it in the edge index. Offline: no
 * `onlineEdgeId` (out of the index) and `expiresAt` = now + retention, after which DynamoDB deletes it.
 */
export function deviceItem(record: DeviceRecord, nowMs: number, offlineRetentionSeconds: number): Item {
  const item: Item = {
    [PARTITION_KEY]: { S: record.accountId },
    [SORT_KEY]: { S: record.deviceId },
    deviceType: { S: record.deviceType },
    connectionId: { S: record.connectionId },
    connectedAt: { N: String(record.connectedAt) },
    edgeId: { S: record.edgeId },
    edgeUrl: { S: record.edgeUrl },
    online: { BOOL: record.online },
    eventAt: { N: String(record.eventAt) },
  };
  if (record.deviceName !== undefined) item.deviceName = { S: record.deviceName };
  if (record.online) item[EDGE_INDEX_KEY] = { S: record.edgeId };
  else item[EXPIRES_AT] = { N: String(Math.floor(nowMs / 1000) + offlineRetentionSeconds) };
  return item;
}

export function parseDeviceItem(item: Item): DeviceRecord {
  const field = new ItemFields(item);
  const record: DeviceRecord = {
    accountId: field.string(PARTITION_KEY),
    deviceId: field.string(SORT_KEY),
    deviceType: field.string('deviceType'),
    connectionId: field.string('connectionId'),
    connectedAt: field.number('connectedAt'),
    edgeId: field.string('edgeId'),
    edgeUrl: field.string('edgeUrl'),
    online: field.boolean('online'),
    eventAt: field.number('eventAt'),
  };
  const deviceName = item.deviceName?.S;
  return deviceName === undefined ? record : { ...record, deviceName };
}

export function edgeItem(edge: KnownEdge): Item {
  return { [PARTITION_KEY]: { S: EDGES_PARTITION }, [SORT_KEY]: { S: edge.edgeId }, edgeUrl: { S: edge.edgeUrl } };
}

export function parseEdgeItem(item: Item): KnownEdge {
  const field = new ItemFields(item);
  return { edgeId: field.string(SORT_KEY), edgeUrl: field.string('edgeUrl') };
}

/** Typed reads of an item's attributes; an attribute missing or of another type means someone else wrote the item. */
class ItemFields {
  constructor(private readonly item: Item) {}

  string(name: string): string {
    return this.get(name, 'S', (v) => v.S);
  }

  number(name: string): number {
    const n = this.get(name, 'N', (v) => v.N);
    const value = Number(n);
    if (!Number.isFinite(value)) throw this.malformed(name, 'N');
    return value;
  }

  boolean(name: string): boolean {
    return this.get(name, 'BOOL', (v) => v.BOOL);
  }

  private get<T>(name: string, type: string, pick: (value: AttributeValue) => T | undefined): T {
    const value = this.item[name];
    const picked = value === undefined ? undefined : pick(value);
    if (picked === undefined) throw this.malformed(name, type);
    return picked;
  }

  private malformed(name: string, type: string): Error {
    const key = `${this.item[PARTITION_KEY]?.S ?? '?'}/${this.item[SORT_KEY]?.S ?? '?'}`;
    return new Error(`device list item ${key} has no ${type} attribute "${name}": it was not written by DynamoDeviceListStore`);
  }
}
