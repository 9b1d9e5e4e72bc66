module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'device-list-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
