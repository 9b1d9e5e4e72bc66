// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads this file as CommonJS
const preset = require('../../jest.preset.js');

// @pushwire/registry-client is not in tsconfig.base.json paths yet; map it here so jest resolves it
// either way (the preset's entry, once it exists, wins because it is spread last).
module.exports = {
  ...preset,
  displayName: 'push-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleNameMapper: {
    '^@pushwire\\/registry-client$': `${__dirname}/../registry-client/src/index.ts`,
    ...preset.moduleNameMapper,
  },
};
