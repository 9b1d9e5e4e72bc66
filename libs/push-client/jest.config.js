module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'push-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
