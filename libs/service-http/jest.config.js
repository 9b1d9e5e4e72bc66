module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'service-http',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
