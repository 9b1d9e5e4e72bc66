import { readFileSync } from 'node:fs';
import { dynamodbEndpointFromEnv } from '@pushwire/infra/testing';
import {
  DASHBOARD_FILE,
  REPO_ROOT,
  RULES_FILE,
  dashboardQueries,
  metricNamesIn,
  rulesIn,
  startPrometheus,
  type RunningPrometheus,
} from '@pushwire/observability';
import { waitFor } from '@pushwire/test-kit';
import type { Cluster } from '../src';
import { connectDevice, startTestCluster } from './cluster-fixture';

interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

/**
 * The shipped monitoring against a running cluster: Debian's Prometheus scrapes every service of a
 * cluster on real Kafka and DynamoDB Local under the job names the rules expect, loads
 * deploy/prometheus's rules, and the key series are there; every metric a rule or a dashboard panel
 * names is one a service exports.
 */
describe('cluster: Prometheus scrapes every service and loads the rules', () => {
  let cluster: Cluster;
  let prometheus: RunningPrometheus | undefined;
  let disconnect: (() => void) | undefined;
  const version = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version;
  const rules = rulesIn(readFileSync(RULES_FILE, 'utf8'));
  const jobs = () => [
    { job: 'pushwire-edge', urls: cluster.edges.map((e) => e.internalUrl) },
    { job: 'pushwire-registry', urls: [cluster.registryUrl] },
    { job: 'pushwire-processor', urls: [cluster.processorUrl] },
    { job: 'pushwire-device-list', urls: [cluster.deviceListUrl] },
  ];

  beforeAll(async () => {
    cluster = await startTestCluster(dynamodbEndpointFromEnv());
    prometheus = await startPrometheus({ jobs: jobs(), ruleFiles: [RULES_FILE] });
    const device = await connectDevice(cluster, cluster.edges[0]!.deviceUrl, 'acct-prometheus', 'tv-1');
    disconnect = () => device.client.close();
  }, 150_000);
  afterAll(async () => {
    disconnect?.();
    await prometheus?.stop();
    await cluster?.stop();
  });

  it('scrapes every service up, with pushwire_build_info on each and the edge connections', async () => {
    const p = prometheus!;
    await waitFor(async () => (await p.query('up == 1')).length === 5, { what: 'five targets up', timeoutMs: 20_000, intervalMs: 250 });

    const builds = await p.query('pushwire_build_info');
    expect(builds.map((s) => [s.metric.job, s.metric.service, s.metric.version, s.metric.node, s.value]).sort()).toEqual(
      [
        ['pushwire-device-list', 'device-list', version, process.version, 1],
        ['pushwire-edge', 'push-edge', version, process.version, 1],
        ['pushwire-edge', 'push-edge', version, process.version, 1],
        ['pushwire-processor', 'message-processor', version, process.version, 1],
        ['pushwire-registry', 'registry', version, process.version, 1],
      ].sort(),
    );

    await waitFor(async () => (await p.query('sum(pushwire_edge_connections{transport="websocket"}) == 1')).length === 1, {
      what: 'the connected device in pushwire_edge_connections',
      timeoutMs: 10_000,
      intervalMs: 250,
    });
    for (const expr of [
      'pushwire_edge_accepts_total',
      'pushwire_processor_consumer_lag',
      'pushwire_registry_store_operation_duration_seconds_count',
    ])
      expect({ expr, series: (await p.query(expr)).length > 0 }).toEqual({ expr, series: true });
  });

  it('loads every rule of deploy/prometheus and evaluates each without an error', async () => {
    const p = prometheus!;
    const loaded = async () => (await p.api<{ groups: { rules: RuleState[] }[] }>('rules')).groups.flatMap((g) => g.rules);
    const evaluated = await waitFor(
      async () => {
        const all = await loaded();
        return all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith('0001')) ? all : undefined;
      },
      { what: 'every rule evaluated once', timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(evaluated.map((r) => r.name).sort()).toEqual(rules.map((r) => r.name).sort());
    expect(evaluated.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
    // A healthy cluster fires no critical alert.
    const alerts = await p.api<{ alerts: { labels: Record<string, string>; state: string }[] }>('alerts');
    expect(alerts.alerts.filter((a) => a.labels.severity === 'critical' && a.state === 'firing').map((a) => a.labels.alertname)).toEqual(
      [],
    );
  });

  it('exports every metric the rules and the dashboard name', async () => {
    const exported = new Set<string>();
    for (const { urls } of jobs())
      for (const url of urls)
        for (const m of (await (await fetch(`${url}/metrics`)).text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
          exported.add(m[1]!);
          if (m[2] === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${m[1]}${suffix}`);
        }
    const recorded = new Set(rules.filter((r) => r.kind === 'record').map((r) => r.name));
    const queries = [
      ...rules.map((r) => ({ where: `rule ${r.name}`, expr: r.expr })),
      ...dashboardQueries(JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'))).map((q) => ({ where: `panel ${q.panel}`, expr: q.expr })),
    ];
    const missing = queries
      .map(({ where, expr }) => ({
        where,
        names: [...metricNamesIn(expr)].filter((n) => n !== 'up' && !recorded.has(n) && !exported.has(n)),
      }))
      .filter((m) => m.names.length > 0);
    expect(missing).toEqual([]);
  });
});
