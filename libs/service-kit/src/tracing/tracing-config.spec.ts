import { ConfigError } from '../config';
import { startTracing } from './start-tracing';
import { tracingConfig } from './tracing-config';
import { tracingActive } from './tracing-state';

describe('tracingConfig (the OTEL_* variables)', () => {
  it('is off without an OTLP endpoint, and when disabled', () => {
    expect(tracingConfig('registry', {})).toBeUndefined();
    expect(tracingConfig('registry', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingConfig('registry', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  it('appends /v1/traces to the general endpoint, takes the traces endpoint as it is, and defaults the service name', () => {
    expect(tracingConfig('registry', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      serviceName: 'registry',
      url: 'http://collector:4318/v1/traces',
      sampler: 'parentbased_always_on',
      ratio: 1,
      scheduleDelayMs: 5000,
    });
    expect(
      tracingConfig('registry', {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/custom/traces',
        OTEL_SERVICE_NAME: 'registry-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toMatchObject({
      serviceName: 'registry-eu',
      url: 'https://otel.example.com/custom/traces',
      sampler: 'parentbased_traceidratio',
      ratio: 0.25,
    });
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT=collector:4318 must be an http/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, /is not a URL/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER=sometimes is not one of/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER_ARG: '2' },
      /OTEL_TRACES_SAMPLER_ARG=2 must be a number from 0 to 1/,
    ],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /only|http\/json/],
  ])('refuses %j at startup with a clear message', (env, message) => {
    expect(() => startTracing('registry', env)).toThrow(ConfigError);
    expect(() => startTracing('registry', env)).toThrow(message);
    expect(tracingActive()).toBe(false);
  });
});
