module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'push-processor',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
