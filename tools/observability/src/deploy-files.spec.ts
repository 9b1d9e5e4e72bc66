import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardQueries, declaredMetricNames, rulesIn } from './deploy-files';
import { DASHBOARD_FILE, promtool, RULES_FILE, RULE_TESTS_DIR } from './prometheus-tools';
import { metricNamesIn } from './promql-names';

const rules = rulesIn(readFileSync(RULES_FILE, 'utf8'));
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as unknown;
const queries = dashboardQueries(dashboard);
const recorded = new Set(rules.filter((r) => r.kind === 'record').map((r) => r.name));

/** A name of ours (pushwire_… or a recording rule), with a histogram's _bucket/_count/_sum taken back to it. */
function unknownNames(expr: string, declared: ReadonlySet<string>): string[] {
  return [...metricNamesIn(expr)].filter((n) => {
    if (n === 'up' || recorded.has(n)) return false;
    const base = n.replace(/_(bucket|count|sum)$/, '');
    return !declared.has(n) && !declared.has(base);
  });
}

describe('deploy/prometheus', () => {
  it('passes promtool check rules', () => {
    expect(promtool(['check', 'rules', RULES_FILE])).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes every promtool rule unit test in deploy/prometheus/tests', () => {
    const files = readdirSync(RULE_TESTS_DIR).filter((f) => f.endsWith('.test.yml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(promtool(['test', 'rules', join(RULE_TESTS_DIR, f)])).toContain('SUCCESS');
  });

  it('has the alerts the operators asked for', () => {
    const alerts = rules.filter((r) => r.kind === 'alert').map((r) => r.name);
    for (const name of [
      'PushwireEdgeDown',
      'PushwireEdgeOverloaded',
      'PushwireDeliveryFailureRatio',
      'PushwireProcessorConsumerLag',
      'PushwireRegistryStoreErrors',
      'PushwireInboxGrowing',
    ])
      expect(alerts).toContain(name);
  });
});

describe('metric names in the rules and the dashboard', () => {
  const declared = declaredMetricNames();

  it('finds the metrics the services declare', () => {
    for (const name of [
      'pushwire_build_info',
      'pushwire_edge_connections',
      'pushwire_processor_consumer_lag',
      'pushwire_registry_store_errors_total',
    ])
      expect(declared).toContain(name);
  });

  it('names only metrics the code declares (or recording rules, or up)', () => {
    const unknown = [
      ...rules.map((r) => ({ where: `rule ${r.name}`, expr: r.expr })),
      ...queries.map((q) => ({ where: `panel ${q.panel}`, expr: q.expr })),
    ]
      .map(({ where, expr }) => ({ where, unknown: unknownNames(expr, declared) }))
      .filter((u) => u.unknown.length > 0);
    expect(unknown).toEqual([]);
  });

  it('shows connections, accepts and rejections, deliveries by status, queue lag, the inbox and topics on the dashboard', () => {
    const used = new Set(queries.flatMap((q) => [...metricNamesIn(q.expr)]));
    for (const name of [
      'pushwire_build_info',
      'pushwire_edge_connections',
      'pushwire_edge_accepts_total',
      'pushwire_edge_rejects_total',
      'pushwire_edge_deliveries_total',
      'pushwire_processor_outcomes_total',
      'pushwire_processor_consumer_lag',
      'pushwire:inbox_net_inflow:rate5m',
      'pushwire_processor_topic_publishes_total',
    ])
      expect(used).toContain(name);
  });
});
