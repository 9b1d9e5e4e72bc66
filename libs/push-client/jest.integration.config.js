// Integration tests against a real Kafka broker. The enqueue-outage spec starts a broker of its own
// (tools/infra's startInfra): it stops and restarts it, so it never uses the shared one. The others
// use the shared broker: the global setup starts one as a Java process (or uses KAFKA_BROKERS, or a
// running `npm run infra:up`) and the teardown stops what it started.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'push-client:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/../../tools/infra/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/infra/src/jest/global-teardown.ts',
  testTimeout: 180_000,
};
