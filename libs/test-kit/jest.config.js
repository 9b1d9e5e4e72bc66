module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'test-kit',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
