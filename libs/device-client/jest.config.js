module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'device-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
