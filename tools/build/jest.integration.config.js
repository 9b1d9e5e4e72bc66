// The production-install test: builds the bundles, installs `npm ci --omit=dev` in a scratch
// directory and starts every service from dist/ with plain node. The processor and device list need
// Kafka: the shared infra global setup provides it.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'build:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/../infra/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../infra/src/jest/global-teardown.ts',
  testTimeout: 180_000,
};
