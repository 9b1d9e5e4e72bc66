// Integration tests run against a real Kafka broker and DynamoDB Local: the global setup starts them
// (or uses KAFKA_BROKERS / DYNAMODB_ENDPOINT when both are set) and the teardown stops what it started.
// Other projects copy these three lines, with the paths adjusted.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'infra:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/src/jest/global-teardown.ts',
  testTimeout: 60_000,
};
