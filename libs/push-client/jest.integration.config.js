// Integration tests against a real Kafka broker of their own (tools/infra's startInfra): they stop
// and restart it, so they never use the shared one.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'push-client:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  testTimeout: 180_000,
};
