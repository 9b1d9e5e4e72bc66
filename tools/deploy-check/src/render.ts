import { spawnSync } from 'node:child_process';
import { CHART_DIR, run, type DeployTools } from './tools';

/** One rendered Kubernetes document, as the validator decoded it. */
export interface RenderedDoc {
  apiVersion: string;
  kind: string;
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain JSON of any kind, asserted on by path
  object: any;
}

/** What the validator said of a stream of documents. */
export type Validation = { ok: true; docs: RenderedDoc[] } | { ok: false; problems: string };

/** A value set: `--set` pairs given to helm, and Secrets the documents may name without rendering them. */
export interface ValueSet {
  set?: string[];
  externalSecrets?: string[];
}

export const RELEASE = 'pw';
export const NAMESPACE = 'pushwire';

/** `helm template` of the chart with a value set: the multi-document YAML a cluster would get. */
export function helmTemplate(tools: DeployTools, values: ValueSet): string {
  const sets = (values.set ?? []).flatMap((s) => ['--set', s]);
  return run(tools.helm, ['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, ...sets]);
}

/** `helm lint --strict` (warnings fail too) with a value set; throws with helm's output on failure. */
export function helmLint(tools: DeployTools, values: ValueSet): string {
  const sets = (values.set ?? []).flatMap((s) => ['--set', s]);
  return run(tools.helm, ['lint', '--strict', CHART_DIR, '--namespace', NAMESPACE, ...sets]);
}

/** Feeds documents to the validator (strict decoding into k8s.io/api types, rules, references). */
export function validateManifests(tools: DeployTools, yaml: string, externalSecrets: string[] = []): Validation {
  const args = externalSecrets.flatMap((s) => ['-external-secret', s]);
  const r = spawnSync(tools.validator, args, { input: yaml, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status === 0) return { ok: true, docs: JSON.parse(r.stdout) as RenderedDoc[] };
  if (r.status === 1) return { ok: false, problems: r.stderr };
  throw new Error(`validator exited ${r.status}: ${r.stderr}`);
}

/** Renders a value set and validates it; throws with every problem when a document is refused. */
export function renderValidated(tools: DeployTools, values: ValueSet): RenderedDoc[] {
  const result = validateManifests(tools, helmTemplate(tools, values), values.externalSecrets);
  if (!result.ok) throw new Error(`the rendered chart does not validate:\n${result.problems}`);
  return result.docs;
}
