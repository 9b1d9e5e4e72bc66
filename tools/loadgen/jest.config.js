module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'loadgen',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
