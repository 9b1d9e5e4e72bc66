import { rmSync } from 'node:fs';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '@pushwire/edge/testing';
import { MemoryRegistryStore } from '@pushwire/registry';
import { listenTestRegistry } from '@pushwire/registry/testing';
import { buildPackages, PACKAGES } from '../src';
import { DIRECT_PUSH_BUNDLE_BUDGET_BYTES, measureDirectPushBundle, SERVER_ONLY_PACKAGES } from '../src/direct-push-bundle';
import { installPacked, type ScratchProject } from './scratch-project';

// The published client libraries as a user gets them: built, `npm pack`ed, installed from the
// tarballs into a project outside the workspace (so no tsconfig path, no workspace symlink can
// help), then loaded from CommonJS and ESM, type-checked under strict node16 and bundler
// resolution, bundled, and used for a real direct push to a device connected to a real edge.

// Node 20.19+ guesses a .js file's module type from its syntax; without the guess, dist/esm loads as
// ES modules only through the package.json the build puts there, as on any Node 20.10+.
const NO_DETECTION = '--no-experimental-detect-module';

const CJS = `
const push = require('@pushwire/push-client');
const kafka = require('@pushwire/push-client/kafka');
const device = require('@pushwire/device-client');
const bus = new kafka.KafkaEventBus({ brokers: ['127.0.0.1:9'], clientId: 'packed' });
console.log(JSON.stringify({
  PushClient: typeof push.PushClient, DeviceClient: typeof device.DeviceClient, KafkaEventBus: typeof kafka.KafkaEventBus,
  busIsEventLog: push.isTopicLogBus(bus), version: require('@pushwire/push-client/package.json').version,
}));
`;

const ESM = `
import { PushClient, PushClientError, EventBusError } from '@pushwire/push-client';
import { KafkaEventBus } from '@pushwire/push-client/kafka';
import { DeviceClient, DeviceClientError } from '@pushwire/device-client';
const { createRequire } = await import('node:module');
const cjs = createRequire(import.meta.url)('@pushwire/push-client');
console.log(JSON.stringify({
  PushClient: typeof PushClient, DeviceClient: typeof DeviceClient, KafkaEventBus: typeof KafkaEventBus,
  errors: [new PushClientError('unavailable', 'x', true).code, new DeviceClientError('unauthorized', 'x').code, EventBusError.name],
  sameAsCjs: cjs.PushClient === PushClient,
}));
`;

// Type-checked, never run: the public types a user writes against.
const TYPES = `
import { PushClient, PushClientError, type SendResult, type PushClientOptions, type EventBus } from '@pushwire/push-client';
import { KafkaEventBus, type KafkaEventBusOptions } from '@pushwire/push-client/kafka';
import { DeviceClient, DeviceClientError, type DeviceClientOptions, type PushMessage } from '@pushwire/device-client';

const kafkaOptions: KafkaEventBusOptions = { brokers: ['kafka:9092'], clientId: 'typed' };
const bus: EventBus = new KafkaEventBus(kafkaOptions);
const options: PushClientOptions = { registryUrl: 'http://registry:8082', serviceToken: 't', bus };
export async function direct(client: PushClient = new PushClient(options)): Promise<string> {
  try {
    const result: SendResult = await client.send({ accountId: 'a', deviceId: 'd' }, { hi: 1 }, { ack: true });
    return result.status;
  } catch (e) {
    return e instanceof PushClientError ? e.code : 'other';
  }
}
const deviceOptions: DeviceClientOptions = { url: 'https://edge.example', token: async () => 'jwt' };
export function listen(onPush: (m: PushMessage) => void): DeviceClient {
  const device = new DeviceClient(deviceOptions);
  device.on('push', onPush);
  device.on('error', (e) => {
    if (e instanceof DeviceClientError && e.code === 'unauthorized') void device.close();
  });
  return device;
}
// @ts-expect-error a target names its account
void new PushClient(options).send({ deviceId: 'd' }, {});
`;

const tsconfig = (extra: Record<string, unknown>, files: string[]) =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: ['node'],
      ...extra,
    },
    files,
  });

// A real direct push, in the scratch project: the packed device client connects to the edge, the
// packed PushClient sends with ack, and the device's automatic ack makes it `acknowledged`.
const E2E = `
import { PushClient } from '@pushwire/push-client';
import { DeviceClient } from '@pushwire/device-client';
const { deviceUrl, registryUrl, token, serviceToken } = JSON.parse(process.env.PUSHWIRE_E2E);
const device = new DeviceClient({ url: deviceUrl, token, reconnect: { enabled: false } });
const received = new Promise((resolve) => device.on('push', resolve));
const welcome = await device.connect();
const client = new PushClient({ registryUrl, serviceToken });
const result = await client.send({ accountId: welcome.accountId, deviceId: welcome.deviceId }, { hello: 'packed' }, { ack: true });
const message = await received;
await client.close();
await device.close();
console.log(JSON.stringify({ result, message: { id: message.id, payload: message.payload } }));
`;

describe('the packed client libraries, installed into a scratch project', () => {
  let project: ScratchProject;

  beforeAll(async () => {
    await buildPackages();
    project = installPacked(PACKAGES, ['kafkajs@2.2.4', '@types/node@20']);
  });
  afterAll(() => {
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  it('loads every entry with require (CommonJS)', async () => {
    project.write('load.cjs', CJS);
    expect(JSON.parse(await project.node(['load.cjs']))).toEqual({
      PushClient: 'function',
      DeviceClient: 'function',
      KafkaEventBus: 'function',
      busIsEventLog: true,
      version: '0.1.0',
    });
  });

  it('loads every entry with import (ESM), the CommonJS build being a separate copy', async () => {
    project.write('load.mjs', ESM);
    expect(JSON.parse(await project.node([NO_DETECTION, 'load.mjs']))).toEqual({
      PushClient: 'function',
      DeviceClient: 'function',
      KafkaEventBus: 'function',
      errors: ['unavailable', 'unauthorized', 'EventBusError'],
      sameAsCjs: false,
    });
  });

  // One compiler run per resolution mode (each costs tens of seconds on a busy machine): under node16
  // the .cts file resolves the `require` declarations and the .mts file the `import` ones.
  it.each([
    ['node16 (a CommonJS and an ESM file)', { module: 'node16', moduleResolution: 'node16' }, ['types.cts', 'types.mts']],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['types.ts']],
  ])('type-checks against the installed declarations (strict, %s, lib check on)', (what, options, files) => {
    for (const file of files) project.write(file, TYPES);
    const config = `tsconfig.${what.split(' ')[0]}.json`;
    project.write(config, tsconfig(options, files));
    expect(project.tsc(config)).toBe('');
  });

  it(`bundles \`import { PushClient }\` from the installed package without fastify or kafkajs, within the ${DIRECT_PUSH_BUNDLE_BUDGET_BYTES / 1024} KiB budget`, async () => {
    const bundle = await measureDirectPushBundle(project.appDir);
    for (const name of SERVER_ONLY_PACKAGES) expect(bundle.packages).not.toContain(name);
    expect(bundle.bytes).toBeLessThan(DIRECT_PUSH_BUNDLE_BUDGET_BYTES);
  });

  describe('against a real edge and registry', () => {
    let edge: TestEdge;
    let registry: Awaited<ReturnType<typeof listenTestRegistry>>;
    beforeAll(async () => {
      const store = new MemoryRegistryStore();
      edge = await startTestEdge({}, { store });
      registry = await listenTestRegistry(store, TEST_SERVICE_TOKEN);
    });
    afterAll(async () => {
      await registry?.app.close();
      await edge?.stop();
    });

    it('sends a direct push with the packed PushClient to a device connected with the packed device client, acknowledged', async () => {
      project.write('e2e.mjs', E2E);
      const env = {
        PUSHWIRE_E2E: JSON.stringify({
          deviceUrl: edge.deviceUrl,
          registryUrl: registry.baseUrl,
          token: await edge.token('acme', 'tv-packed'),
          serviceToken: TEST_SERVICE_TOKEN,
        }),
      };
      const { result, message } = JSON.parse(await project.node([NO_DETECTION, 'e2e.mjs'], env));
      expect(result).toMatchObject({ accountId: 'acme', deviceId: 'tv-packed', status: 'acknowledged', edgeId: edge.edge.edgeId });
      expect(message).toEqual({ id: result.messageId, payload: { hello: 'packed' } });
    });
  });
});
