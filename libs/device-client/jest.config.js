/* eslint-disable @typescript-eslint/no-require-imports -- jest loads this file as CommonJS */
// `@pushwire/device-client/testing` is not in tsconfig.base.json paths yet; map it here until it is.
const preset = require('../../jest.preset.js');
module.exports = {
  ...preset,
  displayName: 'device-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^@pushwire\\/device-client\\/testing$': require('node:path').join(__dirname, 'src/testing/index.ts'),
  },
};
