import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './prometheus-tools';

/** The rules of a rules file written as ours are: `record:`/`alert:` then `expr:` (inline or a `|` block). */
export interface RuleEntry {
  readonly name: string;
  readonly kind: 'record' | 'alert';
  readonly expr: string;
}

/** Reads the rules of `text` (a rules file in our layout; promtool checks the YAML itself). */
export function rulesIn(text: string): RuleEntry[] {
  const lines = text.split('\n');
  const rules: RuleEntry[] = [];
  let current: { name: string; kind: 'record' | 'alert' } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s*-\s*(record|alert):\s*(\S+)/.exec(lines[i]!);
    if (head) current = { kind: head[1] as 'record' | 'alert', name: head[2]! };
    const expr = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!expr || !current) continue;
    let body = expr[2]!;
    if (body === '|' || body === '>') {
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > expr[1]!.length))
        block.push(lines[++i]!.trim());
      body = block.join(' ');
    }
    rules.push({ ...current, expr: body.trim() });
  }
  return rules;
}

/** A Grafana dashboard's queries: every `expr` of every panel target (rows included), with the panel's title. */
export function dashboardQueries(dashboard: unknown): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const walk = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const p of panels as { title?: string; targets?: { expr?: string }[]; panels?: unknown }[]) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? '(untitled)', expr: t.expr });
      walk(p.panels);
    }
  };
  walk((dashboard as { panels?: unknown }).panels);
  return out;
}

/** Every `pushwire_*` metric name the services' code declares (`name: 'pushwire_…'` in libs/*\/src). */
export function declaredMetricNames(root = REPO_ROOT): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'testing') visit(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/name: '(pushwire_[a-z0-9_]+)'/g)) names.add(m[1]!);
      }
    }
  };
  for (const lib of readdirSync(join(root, 'libs'))) {
    try {
      visit(join(root, 'libs', lib, 'src'));
    } catch {
      // a library without src/
    }
  }
  return names;
}
