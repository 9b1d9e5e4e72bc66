import { metricNamesIn } from './promql-names';

describe('metricNamesIn', () => {
  it('finds the metric names of an expression, not functions, labels, keywords, ranges or variables', () => {
    const expr =
      'sum by (instance) (rate(pushwire_edge_rejects_total{reason="overloaded", job=~"$job"}[5m])) / on () group_left sum(rate(x_count[$__rate_interval])) > 0 and pushwire:edge_reject_ratio:rate5m > 0.2 or absent(up{job="a"})';
    expect([...metricNamesIn(expr)].sort()).toEqual(['pushwire:edge_reject_ratio:rate5m', 'pushwire_edge_rejects_total', 'up', 'x_count']);
  });

  it('reads histogram_quantile and count by without taking the grouping labels as names', () => {
    expect([...metricNamesIn('histogram_quantile(0.99, sum by (le, operation) (rate(a_bucket[1m])))')]).toEqual(['a_bucket']);
    expect([...metricNamesIn('count by (service, version) (pushwire_build_info)')]).toEqual(['pushwire_build_info']);
  });
});
