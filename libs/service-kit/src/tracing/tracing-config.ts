import { ConfigError } from '../config';

/** The sampler names of the OpenTelemetry specification's `OTEL_TRACES_SAMPLER`. */
export type SamplerName =
  'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** Tracing as configured by the standard OTEL_* variables; `undefined` from tracingConfig means off. */
export interface TracingConfig {
  /** `service.name` of every span: OTEL_SERVICE_NAME, else the service's own name. */
  readonly serviceName: string;
  /** Where spans are POSTed (OTLP/HTTP JSON), `…/v1/traces`. */
  readonly url: string;
  readonly sampler: SamplerName;
  /** The ratio of the `*traceidratio` samplers (OTEL_TRACES_SAMPLER_ARG), 0…1. Default 1. */
  readonly ratio: number;
  /** Pause between exports of the batch processor (OTEL_BSP_SCHEDULE_DELAY). Default 5000 ms. */
  readonly scheduleDelayMs: number;
}

/**
 * Reads the tracing configuration from the standard OpenTelemetry variables. Tracing is ON only
 * when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, used as is, or
 * OTEL_EXPORTER_OTLP_ENDPOINT, to which `/v1/traces` is appended) and neither OTEL_SDK_DISABLED=true
 * nor OTEL_TRACES_EXPORTER=none says otherwise: without it nothing is recorded nor exported.
 * Throws ConfigError for a value that would otherwise fail later and quietly (a bad URL, an unknown
 * sampler, a ratio outside 0…1, a protocol other than http/json).
 */
export function tracingConfig(serviceName: string, env: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return undefined;
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!specific && !general) return undefined;
  if (exporter && exporter !== 'otlp')
    throw new ConfigError(`OTEL_TRACES_EXPORTER=${exporter} is not supported: Pushwire exports traces over OTLP only (otlp or none)`);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol && protocol !== 'http/json')
    throw new ConfigError(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: Pushwire exports OTLP over HTTP with JSON bodies (http/json; every OpenTelemetry Collector's otlp receiver takes it on port 4318)`,
    );
  const url = specific
    ? endpointUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific)
    : `${endpointUrl('OTEL_EXPORTER_OTLP_ENDPOINT', general!).replace(/\/+$/, '')}/v1/traces`;
  const sampler = (env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on') as SamplerName;
  if (!SAMPLERS.includes(sampler))
    throw new ConfigError(`OTEL_TRACES_SAMPLER=${env.OTEL_TRACES_SAMPLER} is not one of ${SAMPLERS.join(', ')}`);
  const ratio = numberIn('OTEL_TRACES_SAMPLER_ARG', env.OTEL_TRACES_SAMPLER_ARG, 1, 0, 1);
  const scheduleDelayMs = numberIn('OTEL_BSP_SCHEDULE_DELAY', env.OTEL_BSP_SCHEDULE_DELAY, 5000, 1, 3_600_000);
  return { serviceName: env.OTEL_SERVICE_NAME?.trim() || serviceName, url, sampler, ratio, scheduleDelayMs };
}

function endpointUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name}=${value} is not a URL (expected e.g. http://otel-collector:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name}=${value} must be an http:// or https:// URL (OTLP over HTTP)`);
  return url.toString().replace(/\/$/, value.endsWith('/') ? '/' : '');
}

function numberIn(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${name}=${raw} must be a number from ${min} to ${max}`);
  return n;
}
