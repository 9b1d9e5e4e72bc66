/**
 * Runs in the browser page, bundled with the device SDK (sdk-bundle.ts): keeps the page's
 * DeviceClients by name and records what each one saw, so the test drives them with short
 * `page.evaluate` calls and waits on the records with `page.waitForFunction`. Every argument and
 * answer is plain JSON, as evaluate needs.
 */
import { DeviceClient, type DeviceClientOptions } from '@pushwire/device-client';

/** Which token the page's token function fetches from the test's issuer (the page server's /token). */
export type TokenKind = 'valid' | 'bad-signature' | 'expired';

/** One device to connect in the page. */
export interface PageConnect {
  /** The name the test uses for it in later calls. */
  name: string;
  edgeUrl: string;
  accountId: string;
  deviceId: string;
  deviceType?: string;
  transport?: 'websocket' | 'sse';
  /** Default: the SDK's default in a browser. */
  auth?: 'query' | 'first-frame';
  tokenKind?: TokenKind;
  /** How long to wait for connect() to settle before answering `no_answer` (the client keeps running). */
  settleWithinMs: number;
}

/** How connect() ended: resolved with a welcome, rejected (with the error's code), or neither in time. */
export type ConnectOutcome =
  { ok: true; connectionId: string; deviceId: string } | { ok: false; code: string; message: string; state: string };

/** What one device saw, in order. */
export interface DeviceRecord {
  state: string;
  pushes: { id: string; payload: unknown }[];
  d2d: { id: string; from: string; payload: unknown }[];
  /** Each 'devices' event: the account's online device ids. */
  devices: string[][];
  online: string[];
  offline: string[];
  errors: string[];
  closes: { code: number; willReconnect: boolean }[];
  /** Tokens the client asked the token function for. */
  tokenRequests: number;
}

/** What the test calls in the page, as `window.pushwireHarness`. */
export interface PageHarness {
  connect(o: PageConnect): Promise<ConnectOutcome>;
  record(name: string): DeviceRecord;
  sendToDevice(name: string, to: string, payload: unknown): Promise<string>;
  subscribeDevices(name: string): Promise<string[]>;
  listDevices(name: string): Promise<string[]>;
  closeAll(): Promise<void>;
}

declare global {
  interface Window {
    pushwireHarness?: PageHarness;
  }
}

const clients = new Map<string, { client: DeviceClient; record: DeviceRecord }>();

const entry = (name: string) => {
  const found = clients.get(name);
  if (!found) throw new Error(`no device named ${name} in the page`);
  return found;
};

const describe = (e: unknown): { code: string; message: string } => {
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err?.code === 'string' ? err.code : 'no_code', message: String(err?.message ?? e) };
};

async function connect(o: PageConnect): Promise<ConnectOutcome> {
  const record: DeviceRecord = {
    state: 'idle',
    pushes: [],
    d2d: [],
    devices: [],
    online: [],
    offline: [],
    errors: [],
    closes: [],
    tokenRequests: 0,
  };
  const query = new URLSearchParams({
    account: o.accountId,
    device: o.deviceId,
    type: o.deviceType ?? 'browser',
    kind: o.tokenKind ?? 'valid',
  });
  const options: DeviceClientOptions = {
    url: o.edgeUrl,
    // As an app would: a token function asking its backend (here the page's own origin) for a token.
    token: async () => {
      record.tokenRequests++;
      const res = await fetch(`/token?${query.toString()}`);
      if (!res.ok) throw new Error(`token issuer answered ${res.status}`);
      return res.text();
    },
    transport: o.transport ?? 'websocket',
    ...(o.auth ? { auth: o.auth } : {}),
    // Quick retries, so a client that loops on a refused token shows it within the test's wait.
    reconnect: { baseDelayMs: 50, maxDelayMs: 200 },
  };
  const client = new DeviceClient(options);
  clients.set(o.name, { client, record });
  client.on('push', (m) => void record.pushes.push({ id: m.id, payload: m.payload }));
  client.on('d2d.message', (m) => void record.d2d.push({ id: m.id, from: m.from, payload: m.payload }));
  client.on('devices', (list) => void record.devices.push(list.map((d) => d.deviceId)));
  client.on('device.online', (d) => void record.online.push(d.deviceId));
  client.on('device.offline', (d) => void record.offline.push(d.deviceId));
  client.on('error', (e) => void record.errors.push(`${describe(e).code}: ${describe(e).message}`));
  client.on('close', (c) => void record.closes.push({ code: c.code, willReconnect: c.willReconnect }));
  const settled = client.connect().then(
    (w): ConnectOutcome => ({ ok: true, connectionId: w.connectionId, deviceId: w.deviceId }),
    (e: unknown): ConnectOutcome => ({ ok: false, ...describe(e), state: client.state }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<ConnectOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, code: 'no_answer', message: `connect() did not settle in ${o.settleWithinMs} ms`, state: client.state }),
      o.settleWithinMs,
    );
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `fn` in a task of the page's own. Code that runs inside a DevTools evaluation (a
 * `page.evaluate` call and its microtasks) may eval whatever the page's CSP says; a timer's task
 * may not. So the SDK is only ever called from here, where an eval it tried would be refused and
 * reported as on a real site.
 */
const inPageTask = <T>(fn: () => T | Promise<T>): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    setTimeout(() => {
      try {
        Promise.resolve(fn()).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    }, 0);
  });

const harness: PageHarness = {
  connect: (o) => inPageTask(() => connect(o)),
  record: (name) => {
    const { client, record } = entry(name);
    return { ...record, state: client.state };
  },
  sendToDevice: (name, to, payload) => inPageTask(() => entry(name).client.sendToDevice(to, payload)),
  subscribeDevices: (name) => inPageTask(async () => (await entry(name).client.subscribeDevices()).map((d) => d.deviceId)),
  listDevices: (name) => inPageTask(async () => (await entry(name).client.listDevices()).map((d) => d.deviceId)),
  closeAll: () =>
    inPageTask(async () => {
      await Promise.all([...clients.values()].map(({ client }) => client.close()));
      clients.clear();
    }),
};

window.pushwireHarness = harness;
