/** PromQL words that are not metric names: functions are followed by `(`, these are not always. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric (and recording-rule) names a PromQL expression reads: identifiers that are neither
 * functions nor keywords, after label matchers, grouping clauses, ranges, strings and Grafana
 * variables are taken out. Good enough for our own expressions; not a PromQL parser.
 */
export function metricNamesIn(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, word, call] = m;
    if (call || KEYWORDS.has(word!.toLowerCase())) continue;
    names.add(word!);
  }
  return names;
}

/** A sample name's metric: `x_bucket`, `x_count`, `x_sum` of a histogram are `x`'s. */
export function baseMetricName(name: string, known: ReadonlySet<string>): string {
  const m = /^(.*)_(bucket|count|sum)$/.exec(name);
  return m && known.has(m[1]!) && !known.has(name) ? m[1]! : name;
}
