// The hostile-input suite: generated hostile input against a real cluster (registry, device list,
// processor, two edges as processes) on real Kafka and DynamoDB Local from the shared infra setup.
// One spec file starts one cluster for every suite; each test bounds its own waits.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'hostile:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/../infra/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../infra/src/jest/global-teardown.ts',
  testTimeout: 60_000,
};
