module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'edge:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  testTimeout: 30000,
};
