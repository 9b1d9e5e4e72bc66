/** tools/observability: the Prometheus rules and Grafana dashboard in deploy/, checked against the code and a real Prometheus. */
export { REPO_ROOT, RULES_FILE, RULE_TESTS_DIR, DASHBOARD_FILE, requireTool, promtool } from './prometheus-tools';
export {
  startPrometheus,
  prometheusConfig,
  type PrometheusOptions,
  type RunningPrometheus,
  type Sample,
  type ScrapeJob,
} from './prometheus-server';
export { metricNamesIn, baseMetricName } from './promql-names';
export { rulesIn, dashboardQueries, declaredMetricNames, type RuleEntry } from './deploy-files';
