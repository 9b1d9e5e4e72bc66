/**
 * The Helm chart as a platform team would meet it: `helm lint`, then `helm template` for several
 * value sets, every document strictly validated offline against the k8s.io/api types, and the
 * properties an operator relies on (drain vs grace period, what the device Service exposes,
 * probes, secrets by reference, HPA, NetworkPolicy, ServiceMonitor).
 */
import { ensureDeployTools, helmLint, helmTemplate, renderValidated, validateManifests, type RenderedDoc, type ValueSet } from '../src';

const tools = ensureDeployTools(() => undefined); // built by the global setup: this only finds them
const EDGE_FORCED_EXIT_AFTER_DRAIN_SECONDS = 15; // apps/push-edge/src/main.ts: (drainSeconds + 15) * 1000

const VALUE_SETS: Record<string, ValueSet> = {
  defaults: {},
  'HPA off': { set: ['edge.hpa.enabled=false', 'edge.replicas=3'] },
  existingSecret: { set: ['secrets.existingSecret=pushwire-prod'], externalSecrets: ['pushwire-prod'] },
  'ServiceMonitor on': {
    set: [
      'serviceMonitor.enabled=true',
      'serviceMonitor.labels.release=kube-prometheus-stack',
      'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring',
    ],
  },
  'NetworkPolicy off': { set: ['networkPolicy.enabled=false'] },
  'long drain, sleep preStop, DynamoDB, CPU metric': {
    set: [
      'edge.drainSeconds=90',
      'edge.preStop.mode=sleep',
      'registry.store=dynamodb',
      'deviceList.store=dynamodb',
      'dynamodb.region=eu-west-1',
      'edge.hpa.cpuUtilization=70',
    ],
  },
};

const rendered: Record<string, RenderedDoc[]> = {};
beforeAll(() => {
  for (const [name, values] of Object.entries(VALUE_SETS)) rendered[name] = renderValidated(tools, values);
});

const all = (set: string) => rendered[set]!;
const ofKind = (set: string, kind: string) => all(set).filter((d) => d.kind === kind);
function one(set: string, kind: string, name: string): RenderedDoc {
  const doc = all(set).find((d) => d.kind === kind && d.name === name);
  if (!doc)
    throw new Error(
      `${set}: no ${kind}/${name} among ${all(set)
        .map((d) => `${d.kind}/${d.name}`)
        .join(', ')}`,
    );
  return doc;
}
type Json = any;
const podSpec = (d: RenderedDoc): Json => d.object.spec.template.spec;
const envOf = (container: Json, name: string): Json => (container.env as Json[]).find((e) => e.name === name);
const SET_NAMES = Object.keys(VALUE_SETS);

describe('helm lint', () => {
  it.each(SET_NAMES)('passes --strict with %s', (set) => {
    expect(helmLint(tools, VALUE_SETS[set]!)).toMatch(/0 chart\(s\) failed/);
  });
});

describe('offline validation', () => {
  it.each(SET_NAMES)('%s: every document decodes strictly into its Kubernetes type', (set) => {
    // renderValidated threw in beforeAll otherwise; the four services are all there.
    expect(
      ofKind(set, 'Deployment')
        .map((d) => d.name)
        .sort(),
    ).toEqual(['pw-pushwire-device-list', 'pw-pushwire-edge', 'pw-pushwire-processor', 'pw-pushwire-registry']);
  });

  it.each([
    [
      'a misspelled field',
      (y: string) => y.replace('terminationGracePeriodSeconds:', 'terminationGracePeriodSecond:'),
      /Deployment\/pw-pushwire-edge: strict decoding into \*v1.Deployment: unknown field "spec\.template\.spec\.terminationGracePeriodSecond"/,
    ],
    [
      'a field in the wrong case',
      (y: string) => y.replace('readOnlyRootFilesystem:', 'readonlyRootFilesystem:'),
      /unknown field "spec\.template\.spec\.containers\[0\]\.securityContext\.readonlyRootFilesystem"/,
    ],
    [
      'a number as an env value',
      (y: string) => y.replace(/(name: PUSHWIRE_EDGE_PORT\n\s+value: )"8080"/, '$18080'),
      /Deployment\/pw-pushwire-edge: does not decode .*cannot unmarshal number into Go struct field EnvVar/,
    ],
    [
      'a probe on a port the container lacks',
      (y: string) => y.replace(/path: \/healthz\n(\s+)port: internal/, 'path: /healthz\n$1port: admin'),
      /livenessProbe: port "admin" is not a port of the container/,
    ],
    [
      'a Secret key nobody renders',
      (y: string) => y.replace('key: edge-tokens', 'key: edge-token'),
      /PUSHWIRE_EDGE_TOKENS: Secret "pw-pushwire-secrets" has no key "edge-token"/,
    ],
  ])('refuses %s', (_what, mutate, message) => {
    const yaml = helmTemplate(tools, {});
    const broken = mutate(yaml);
    expect(broken).not.toBe(yaml);
    const result = validateManifests(tools, broken);
    expect(result).toEqual({ ok: false, problems: expect.stringMatching(message) });
  });

  it('refuses a kind it has no type for rather than passing it unchecked', () => {
    const result = validateManifests(tools, 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    expect(result).toEqual({ ok: false, problems: expect.stringMatching(/kind "Widget" is not one this validator knows/) });
  });
});

describe('the edge', () => {
  it.each(SET_NAMES)('%s: Kubernetes waits longer than the drain window and the edge’s own forced exit', (set) => {
    const edge = podSpec(one(set, 'Deployment', 'pw-pushwire-edge'));
    const container = edge.containers[0];
    const drain = Number(envOf(container, 'PUSHWIRE_EDGE_DRAIN_SECONDS').value);
    const sleep = container.lifecycle.preStop.sleep?.seconds ?? 0;
    expect(edge.terminationGracePeriodSeconds).toBeGreaterThan(sleep + drain + EDGE_FORCED_EXIT_AFTER_DRAIN_SECONDS);
  });

  it('drains from the preStop hook by default (SIGTERM to the edge, then waits for it to exit)', () => {
    const container = podSpec(one('defaults', 'Deployment', 'pw-pushwire-edge')).containers[0];
    expect(container.lifecycle.preStop.exec.command.join(' ')).toMatch(/kill -TERM 1; while kill -0 1/);
    expect(podSpec(one('defaults', 'Deployment', 'pw-pushwire-edge')).terminationGracePeriodSeconds).toBe(45);
    expect(
      podSpec(one('long drain, sleep preStop, DynamoDB, CPU metric', 'Deployment', 'pw-pushwire-edge')).terminationGracePeriodSeconds,
    ).toBe(120);
  });

  it.each(SET_NAMES)('%s: the device Service exposes the device port only, the internal port stays ClusterIP', (set) => {
    const device = one(set, 'Service', 'pw-pushwire-edge').object;
    expect(device.spec.type).toBe('LoadBalancer');
    expect(device.spec.ports).toEqual([{ name: 'device', port: 80, targetPort: 'device', protocol: 'TCP' }]);
    const ports = podSpec(one(set, 'Deployment', 'pw-pushwire-edge')).containers[0].ports;
    expect(ports).toContainEqual({ name: 'device', containerPort: 8080, protocol: 'TCP' });
    expect(ports).toContainEqual({ name: 'internal', containerPort: 8081, protocol: 'TCP' });
    const internal = one(set, 'Service', 'pw-pushwire-edge-internal').object;
    expect(internal.spec.type).toBe('ClusterIP');
    // No Service of any type but ClusterIP carries an internal port.
    for (const svc of ofKind(set, 'Service').filter((s) => s.object.spec.type !== 'ClusterIP'))
      for (const port of svc.object.spec.ports) expect([port.targetPort, port.port]).not.toContain('internal');
  });

  it('is scaled on connections per pod by an HPA that owns the replica count, or by replicas with HPA off', () => {
    const hpa = one('defaults', 'HorizontalPodAutoscaler', 'pw-pushwire-edge').object;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'pw-pushwire-edge' });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'pushwire_edge_connections' }, target: { type: 'AverageValue', averageValue: '50000' } } },
    ]);
    expect(one('defaults', 'Deployment', 'pw-pushwire-edge').object.spec.replicas).toBeUndefined();
    const withCpu = one('long drain, sleep preStop, DynamoDB, CPU metric', 'HorizontalPodAutoscaler', 'pw-pushwire-edge').object;
    expect(withCpu.spec.metrics[1]).toEqual({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
    });
    expect(ofKind('HPA off', 'HorizontalPodAutoscaler')).toEqual([]);
    expect(one('HPA off', 'Deployment', 'pw-pushwire-edge').object.spec.replicas).toBe(3);
    expect(one('defaults', 'PodDisruptionBudget', 'pw-pushwire-edge').object.spec.maxUnavailable).toBe(1);
  });

  it('registers the pod address of its internal port, bound on all interfaces inside the pod', () => {
    const container = podSpec(one('defaults', 'Deployment', 'pw-pushwire-edge')).containers[0];
    expect(envOf(container, 'PUSHWIRE_EDGE_INTERNAL_HOST').value).toBe('0.0.0.0');
    expect(envOf(container, 'PUSHWIRE_EDGE_INTERNAL_URL').value).toBe('http://$(POD_IP):8081');
    expect(envOf(container, 'POD_IP').valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(envOf(container, 'PUSHWIRE_REGISTRY_URL').value).toBe('http://pw-pushwire-registry:8082');
  });
});

describe('every service', () => {
  it.each(SET_NAMES)('%s: liveness on /healthz and readiness on /readyz, on the internal port for the edge', (set) => {
    for (const d of ofKind(set, 'Deployment')) {
      const c = podSpec(d).containers[0];
      const port = d.name.endsWith('-edge') ? 'internal' : 'http';
      expect([d.name, c.livenessProbe.httpGet]).toEqual([d.name, { path: '/healthz', port }]);
      expect([d.name, c.readinessProbe.httpGet]).toEqual([d.name, { path: '/readyz', port }]);
    }
  });

  it.each(SET_NAMES)('%s: runs as non-root on a read-only root filesystem with no capabilities', (set) => {
    for (const d of ofKind(set, 'Deployment')) {
      expect(podSpec(d).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(podSpec(d).containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it.each(SET_NAMES)('%s: reads tokens and the JWT secret from the Secret, never inlined, each role only where needed', (set) => {
    const secretName = set === 'existingSecret' ? 'pushwire-prod' : 'pw-pushwire-secrets';
    const secretEnv: Record<string, string[]> = {};
    for (const d of ofKind(set, 'Deployment')) {
      for (const e of podSpec(d).containers[0].env as Json[]) {
        if (/TOKEN|SECRET|PASSWORD|KEY$/.test(e.name)) {
          expect([d.name, e.name, e.value]).toEqual([d.name, e.name, undefined]);
          expect(e.valueFrom.secretKeyRef.name).toBe(secretName);
          (secretEnv[d.name] ??= []).push(e.name);
        }
      }
    }
    expect(secretEnv).toEqual({
      'pw-pushwire-edge': ['PUSHWIRE_JWT_SECRET', 'PUSHWIRE_SENDER_TOKENS', 'PUSHWIRE_EDGE_TOKENS'],
      'pw-pushwire-registry': ['PUSHWIRE_SENDER_TOKENS', 'PUSHWIRE_EDGE_TOKENS'],
      'pw-pushwire-processor': ['PUSHWIRE_SENDER_TOKENS'],
      'pw-pushwire-device-list': ['PUSHWIRE_EDGE_TOKENS'],
    });
    expect(ofKind(set, 'Secret').map((s) => s.name)).toEqual(set === 'existingSecret' ? [] : ['pw-pushwire-secrets']);
  });

  it('gets a generated Secret with distinct sender and edge tokens when none is given', () => {
    const data = one('defaults', 'Secret', 'pw-pushwire-secrets').object.data;
    const decoded = (k: string) => Buffer.from(data[k], 'base64').toString();
    expect(decoded('sender-tokens')).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(decoded('edge-tokens')).not.toBe(decoded('sender-tokens'));
    expect(decoded('jwt-secret').length).toBeGreaterThanOrEqual(32);
  });
});

describe('network exposure', () => {
  it('keeps internal ports to Pushwire pods and labelled senders, the device port open to all', () => {
    const edge = one('defaults', 'NetworkPolicy', 'pw-pushwire-edge').object;
    expect(edge.spec.ingress).toContainEqual({ ports: [{ port: 'device', protocol: 'TCP' }] });
    const internal = (edge.spec.ingress as Json[]).find((r) => r.ports[0].port === 'internal');
    expect(internal.from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pushwire', 'app.kubernetes.io/instance': 'pw' } } },
      { podSelector: { matchLabels: { 'pushwire.io/client': 'true' } } },
    ]);
    for (const c of ['registry', 'processor', 'device-list']) {
      const rules = one('defaults', 'NetworkPolicy', `pw-pushwire-${c}`).object.spec.ingress as Json[];
      expect(rules.every((r) => r.from?.length > 0)).toBe(true);
    }
    expect(ofKind('NetworkPolicy off', 'NetworkPolicy')).toEqual([]);
  });

  it('scrapes /metrics through a ServiceMonitor only when asked, never on the device Service', () => {
    expect(ofKind('defaults', 'ServiceMonitor')).toEqual([]);
    const monitor = one('ServiceMonitor on', 'ServiceMonitor', 'pw-pushwire').object;
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints.map((e: Json) => [e.port, e.path])).toEqual([
      ['internal', '/metrics'],
      ['http', '/metrics'],
    ]);
    // The monitoring namespace is let in to the internal ports, where /metrics is served.
    const edgeRules = one('ServiceMonitor on', 'NetworkPolicy', 'pw-pushwire-edge').object.spec.ingress as Json[];
    expect(edgeRules.find((r) => r.ports[0].port === 'internal').from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    });
    const scraped = ofKind('ServiceMonitor on', 'Service').filter((s) => s.object.metadata.labels['pushwire.io/scrape'] === 'true');
    expect(scraped.map((s) => s.name).sort()).toEqual([
      'pw-pushwire-device-list',
      'pw-pushwire-edge-internal',
      'pw-pushwire-processor',
      'pw-pushwire-registry',
    ]);
  });
});
