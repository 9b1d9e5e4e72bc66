/**
 * Development defaults, used ONLY by the all-in-one `npm start` and by `pushctl` when no secrets are
 * set. Standalone services never fall back to these: they refuse to start without real secrets.
 */
export const DEV_DEFAULTS = {
  /** The development sender-role token: what `pushctl` presents when none is set. */
  serviceToken: 'pushwire-dev-service-token-not-for-production',
  /** The development edge-role token (edges, the device list). */
  edgeToken: 'pushwire-dev-edge-token-not-for-production',
  jwtSecret: 'pushwire-dev-jwt-secret-not-for-production',
  edgeUrl: 'http://127.0.0.1:8080',
  edgeInternalUrl: 'http://127.0.0.1:8081',
  registryUrl: 'http://127.0.0.1:8082',
  processorUrl: 'http://127.0.0.1:8083',
  deviceListUrl: 'http://127.0.0.1:8084',
} as const;
