import fc from 'fast-check';
import { plainRequest, requestBytes } from '../wire/handshake';
import { hostileId, hostileJson, mutatedJson, nestedJson } from './hostile-json';
import { labelled } from './labelled';

/** The internal APIs under attack and what a request needs to get past the first checks. */
export interface ApiTargets {
  readonly edgeInternalPort: number;
  readonly edgeDevicePort: number;
  readonly registryPort: number;
  readonly processorPort: number;
  readonly deviceListPort: number;
  /** A sender's service token: deliver, lookups, enqueue, device-list reads. */
  readonly senderToken: string;
  /** An edge's service token: route and lease writes, notices (edges may also do what senders do). */
  readonly edgeToken: string;
  /** The account of the live devices. */
  readonly liveAccountId: string;
  /** Devices of `liveAccountId` connected now (the attacker's own), so a delivery or enqueue reaches a connection. */
  readonly liveDeviceIds: readonly string[];
}

/** One request to send raw, with whether it carried valid credentials. */
export interface HostileRequest {
  readonly label: string;
  readonly port: number;
  readonly bytes: Buffer;
  /**
   * `yes`: the service token of the endpoint's role; `no`: missing, wrong, or of a role the endpoint
   * refuses (must never get a 2xx); `maybe`: a variant a server may accept.
   */
  readonly authorized: 'yes' | 'no' | 'maybe';
}

interface Endpoint {
  readonly name: string;
  readonly port: number;
  readonly method: string;
  /**
   * Who may call it: `sender` routes take a sender's or an edge's token; `edge` routes refuse a
   * sender's (403); `device` (the device port) takes no service token at all.
   */
  readonly role: 'sender' | 'edge' | 'device';
  /** The path; `{id}` is replaced by a generated id. */
  readonly path: string;
  /** A valid body, mutated by the generator; none for GET and DELETE. */
  readonly body?: Record<string, unknown>;
}

function endpoints(t: ApiTargets): Endpoint[] {
  const live = { accountId: t.liveAccountId, deviceId: t.liveDeviceIds[0] ?? 'fz-dev' };
  const message = { id: 'fz-m-1', payload: { n: 1 } };
  const registration = {
    deviceId: 'fz-dev',
    accountId: 'fz-acct',
    deviceType: 'tv',
    edgeId: 'fz-edge',
    edgeUrl: 'http://127.0.0.1:9',
    connectionId: 'fz-conn',
    connectedAt: 1,
    expiresAt: 2,
  };
  const edge = { port: t.edgeInternalPort };
  const registry = { port: t.registryPort };
  return [
    { name: 'edge deliver', ...edge, role: 'sender', method: 'POST', path: '/v1/deliver', body: { ...live, message } },
    {
      name: 'edge deliver batch',
      ...edge,
      role: 'sender',
      method: 'POST',
      path: '/v1/deliver',
      body: { deliveries: [{ ...live, message }] },
    },
    {
      name: 'edge notify',
      ...edge,
      role: 'edge',
      method: 'POST',
      path: '/v1/notify',
      body: { accountId: 'fz-acct', frame: { type: 'device.offline', deviceId: 'fz-dev' } },
    },
    // The device port's back-channel takes a device token, not a service token: no credential the
    // generator has opens it, so every answer must be a refusal.
    { name: 'edge frames', port: t.edgeDevicePort, role: 'device', method: 'POST', path: '/v1/frames', body: { type: 'ping', t: 1 } },
    {
      name: 'registry register',
      ...registry,
      role: 'edge',
      method: 'POST',
      path: '/v1/registrations',
      body: { registrations: [registration] },
    },
    {
      name: 'registry remove',
      ...registry,
      role: 'edge',
      method: 'POST',
      path: '/v1/registrations/remove',
      body: { deregistrations: [{ accountId: 'fz-acct', deviceId: 'fz-dev', connectionId: 'fz-conn' }] },
    },
    { name: 'registry get', ...registry, role: 'sender', method: 'GET', path: '/v1/accounts/fz-acct/registrations/{id}' },
    {
      name: 'registry lookup',
      ...registry,
      role: 'sender',
      method: 'POST',
      path: '/v1/lookup',
      body: { devices: [{ accountId: 'fz-acct', deviceId: 'fz-dev' }] },
    },
    { name: 'registry account', ...registry, role: 'sender', method: 'GET', path: '/v1/accounts/{id}/registrations' },
    {
      name: 'registry lease',
      ...registry,
      role: 'edge',
      method: 'PUT',
      path: '/v1/edges/{id}/lease',
      body: { edgeUrl: 'http://127.0.0.1:9', ttlSeconds: 5 },
    },
    { name: 'registry release', ...registry, role: 'edge', method: 'DELETE', path: '/v1/edges/{id}/lease' },
    { name: 'registry leases', ...registry, role: 'edge', method: 'POST', path: '/v1/leases/status', body: { edgeIds: ['fz-edge'] } },
    {
      name: 'processor enqueue',
      port: t.processorPort,
      role: 'sender',
      method: 'POST',
      path: '/v1/push-requests',
      body: { target: live, message },
    },
    { name: 'device list', port: t.deviceListPort, role: 'sender', method: 'GET', path: '/v1/accounts/{id}/devices' },
  ];
}

interface Body {
  readonly label: string;
  readonly bytes: Buffer;
}

function bodies(base: Record<string, unknown>): fc.Arbitrary<Body> {
  const valid = JSON.stringify(base);
  const text = (label: string, t: string): Body => ({ label, bytes: Buffer.from(t, 'utf8') });
  return fc.oneof(
    { arbitrary: mutatedJson(base).map((m) => text(m.label, m.text)), weight: 6 },
    { arbitrary: fc.integer({ min: 1, max: valid.length - 1 }).map((n) => text(`JSON cut at ${n}`, valid.slice(0, n))), weight: 1 },
    {
      arbitrary: fc
        .constantFrom('', 'null', '[]', '"x"', '{}{}', `${valid}garbage`)
        .map((t) => text(`body ${JSON.stringify(t.slice(0, 20))}`, t)),
      weight: 1,
    },
    { arbitrary: hostileJson.map((j) => text(`whole body ${j.label}`, j.text)), weight: 1 },
    {
      arbitrary: fc
        .integer({ min: 500, max: 3000 })
        .map((kb) => text(`a ${kb} KB body`, JSON.stringify({ ...base, pad: 'x'.repeat(kb * 1024) }))),
      weight: 1,
    },
    {
      arbitrary: fc.constant({
        label: 'invalid UTF-8 inside a string',
        bytes: Buffer.concat([Buffer.from(valid.slice(0, -1) + ',"bad":"'), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from('"}')]),
      }),
      weight: 1,
    },
    { arbitrary: fc.integer({ min: 5000, max: 12_000 }).map((d) => text(`body nested ${d} deep`, nestedJson(d, 'object'))), weight: 1 },
  );
}

const contentTypes = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    '',
    'application/json; charset=utf-16',
    'multipart/form-data; boundary=x',
    'application/jsonx',
  ),
);

function credentials(
  t: ApiTargets,
  role: Endpoint['role'],
): fc.Arbitrary<{ label: string; header?: string; authorized: HostileRequest['authorized'] }> {
  const own = role === 'edge' ? t.edgeToken : t.senderToken;
  // The device port refuses service tokens: no credential here authorizes a request to it.
  const valid = role === 'device' ? ('no' as const) : ('yes' as const);
  const lowercase = role === 'device' ? ('no' as const) : ('maybe' as const);
  return fc.oneof(
    {
      arbitrary: fc.constant({ label: `${role === 'edge' ? 'edge' : 'sender'} token`, header: `Bearer ${own}`, authorized: valid }),
      weight: 6,
    },
    fc.constantFrom(
      { label: 'no credentials', authorized: 'no' as const },
      { label: 'wrong token', header: 'Bearer wrong-token-of-enough-length', authorized: 'no' as const },
      { label: 'empty bearer', header: 'Bearer ', authorized: 'no' as const },
      { label: 'token as Basic', header: `Basic ${own}`, authorized: 'no' as const },
      { label: '10 KB token', header: `Bearer ${'t'.repeat(10_240)}`, authorized: 'no' as const },
      { label: 'token with a suffix', header: `Bearer ${own}x`, authorized: 'no' as const },
      { label: 'lowercase bearer', header: `bearer ${own}`, authorized: lowercase },
      // A sender's token on an edge-only route is answered 403 (docs/security.md, "Service tokens by role").
      { label: 'sender token', header: `Bearer ${t.senderToken}`, authorized: role === 'sender' ? ('yes' as const) : ('no' as const) },
    ),
  );
}

/** Ids put raw into a path: percent-encoded, or as they are when they are printable ASCII. */
const pathId = hostileId.map((id) => (/^[\x21-\x7e]*$/.test(id) && id.length > 0 ? id : encodeURIComponent(id)));

/**
 * Requests to every internal API: valid bodies with one field broken, bad and cut JSON, nesting deep
 * enough to overflow a recursive encoder, megabyte bodies, invalid UTF-8, odd content types,
 * hostile ids in paths, and missing, wrong or odd credentials.
 */
export function hostileRequest(t: ApiTargets): fc.Arbitrary<HostileRequest> {
  return fc.constantFrom(...endpoints(t)).chain((e) =>
    fc
      .tuple(e.body ? bodies(e.body) : fc.constant(undefined), contentTypes, credentials(t, e.role), pathId)
      .map(([body, contentType, cred, id]) => {
        const headers: [string, string][] = [];
        if (cred.header !== undefined) headers.push(['Authorization', cred.header]);
        if (body && contentType) headers.push(['Content-Type', contentType]);
        const path = e.path.replace('{id}', id);
        const bytes = requestBytes(plainRequest(e.port, e.method, path, headers, body?.bytes));
        const label = [`${e.name}: ${e.method} ${path.slice(0, 60)}${path.length > 60 ? `… (${path.length} chars)` : ''}`, cred.label];
        if (body) label.push(`content-type ${JSON.stringify(contentType)}`, body.label);
        return labelled({ label: label.join('; '), port: e.port, bytes, authorized: cred.authorized });
      }),
  );
}
