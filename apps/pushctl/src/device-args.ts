import { optional, type Command } from './cli';
import { endpoints, mintToken } from './endpoints';

/** The flags of a command that acts as a device: its account, and its type and name when it mints a token. */
export const DEVICE_OPTIONS: Command['options'] = {
  account: { type: 'string' },
  type: { type: 'string' },
  name: { type: 'string' },
};

/** The flags of a command that connects to an edge: --sse instead of WebSocket, --edge URL. */
export const EDGE_OPTIONS: Command['options'] = {
  sse: { type: 'boolean' },
  edge: { type: 'string' },
};

/** Who a development token speaks for; the type when --type is absent, and how long it lasts (default one hour). */
export interface DeviceTokenFor {
  accountId: string;
  deviceId: string;
  defaultType: string;
  ttlSeconds?: number;
  /** Claim `topics`: the patterns of the topics the device may subscribe to. Default: none (no claim). */
  topics?: readonly string[];
}

/** A development device token (HS256, PUSHWIRE_JWT_SECRET; iss/aud when configured) of type --type and name --name. */
export function deviceToken(v: Record<string, unknown>, device: DeviceTokenFor): Promise<string> {
  return mintToken({
    accountId: device.accountId,
    deviceId: device.deviceId,
    deviceType: optional(v, 'type') ?? device.defaultType,
    deviceName: optional(v, 'name'),
    ttlSeconds: device.ttlSeconds,
    ...(device.topics?.length ? { topics: device.topics } : {}),
  });
}

/** Where to connect: --edge, else PUSHWIRE_EDGE_URL. */
export const edgeUrlArg = (v: Record<string, unknown>): string => optional(v, 'edge') ?? endpoints.edgeUrl();

/**
 * Where a listening device connects: every --url and --edge (failover between them), else
 * PUSHWIRE_EDGE_URL, which may list several edges separated by commas.
 */
export function edgeUrlsArg(v: Record<string, unknown>): string[] {
  const given = [v.url, v.edge].flatMap((x) => (x === undefined ? [] : Array.isArray(x) ? (x as string[]) : [String(x)]));
  const urls = given.length ? given : endpoints.edgeUrl().split(',');
  return urls.map((u) => u.trim()).filter((u) => u !== '');
}

/** How to connect: SSE with --sse, else WebSocket. */
export const transportArg = (v: Record<string, unknown>): 'sse' | 'websocket' => (v.sse === true ? 'sse' : 'websocket');
