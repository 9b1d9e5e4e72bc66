// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest configs are CommonJS
const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'registry',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // fastify's inject() (light-my-request) requires cookie@2, which is ESM only; jest cannot load ESM
  // through require(), so that one package is compiled to CommonJS. Belongs in jest.preset.js.
  transform: {
    ...preset.transform,
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
};
