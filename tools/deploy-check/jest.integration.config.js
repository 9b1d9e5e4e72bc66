// The Helm chart (deploy/helm/pushwire) rendered with `helm template` for several value sets and
// every document validated offline; the global setup builds helm and the validator into
// .pushwire/bin on first use (Go module proxy), then reuses them.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'deploy-check:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/src/jest/global-setup.ts',
  testTimeout: 120_000,
};
