import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries by tag (see docs/CONTRIBUTING.md, "Layout and boundaries"). Every project has a
// type; libs and service apps a scope; a service's libs and app its service. An import must satisfy
// the rule of every tag its project carries (Nx checks each rule on the imported project only).
//
// By type, what a project may import:
//   type:protocol  nothing;
//   type:util      protocol, util (pure helpers, ops plumbing);
//   type:testing   protocol, util, testing (test helpers: imported by specs, test helpers and tools only);
//   type:client    protocol, util, client (one client per service API, the SDKs);
//   type:feature   protocol, util, client, feature (a service's logic);
//   type:app       protocol, util, client, feature: nobody imports an app, it is a leaf;
//   type:tool      anything but apps (cluster, infra, load generator, benches); libs never import tools.
// By scope, where it runs:
//   scope:shared   browsers and Node alike: imports scope:shared only;
//   scope:device   the device SDK (browsers): shared and device, never server or backend;
//   scope:server   the services: shared and server, never the device SDK nor the backend sender;
//   scope:backend  backend senders (push-client, the message processor): shared, server and backend.
// By service (service:edge, service:registry, service:processor, service:device-list): a service's
//   libs and app import their own service's libs, and otherwise only protocol, utils and clients, so
//   one service reaches another through its client, never its lib. all-in-one and tools carry no
//   service tag and may import any lib.
// Specs and test helpers (last block) may import any lib but an app: they start real collaborators.
const BY_TYPE = [
  { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:protocol', 'type:util'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:testing'] },
  { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:client'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:client', 'type:feature'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:client', 'type:feature'] },
  {
    sourceTag: 'type:tool',
    onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:testing', 'type:client', 'type:feature', 'type:tool'],
  },
];
const BY_SCOPE = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:device', onlyDependOnLibsWithTags: ['scope:shared', 'scope:device'] },
  { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server'] },
  { sourceTag: 'scope:backend', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', 'scope:backend'] },
];
// onlyDependOn, not notDependOn: Nx follows notDependOn through the whole graph, test-only imports
// included (the edge's specs start a real registry), which would refuse apps/push-edge → libs/edge.
const BY_SERVICE = ['edge', 'registry', 'processor', 'device-list'].map((service) => ({
  sourceTag: `service:${service}`,
  onlyDependOnLibsWithTags: [`service:${service}`, 'type:protocol', 'type:util', 'type:client'],
}));

// What runs in browsers (scope:shared, scope:device) may not import Node's built-in modules; the
// libs are found by their tags, so a new shared lib is covered without editing this list.
const BROWSER_LIBS = readdirSync(new URL('libs/', import.meta.url), { withFileTypes: true })
  .filter((dir) => dir.isDirectory() && existsSync(new URL(`libs/${dir.name}/project.json`, import.meta.url)))
  .filter((dir) => {
    const project = JSON.parse(readFileSync(new URL(`libs/${dir.name}/project.json`, import.meta.url), 'utf8'));
    return (project.tags ?? []).some((tag) => tag === 'scope:shared' || tag === 'scope:device');
  })
  .map((dir) => `libs/${dir.name}/src/**/*.ts`);
// `node:…`, or a built-in's bare name with or without a subpath ('fs', 'fs/promises'), but not './events'.
const NODE_BUILTIN = `^(node:.*|(${builtinModules.filter((name) => !name.startsWith('_')).join('|')})(/.*)?)$`;
// A lib's `src/testing` entry belongs to the lib's project, so no tag tells it apart: the import path does.
const TESTING_ENTRY = {
  regex: '^@pushwire/[^/]+/testing$',
  message: 'src/testing entries (@pushwire/<lib>/testing) are for specs, test helpers and tools only.',
};
const TEST_CODE = ['**/*.spec.ts', '**/test/**', '**/src/testing/**'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.nx/**', '.pushwire/**', 'docs/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [...BY_TYPE, ...BY_SCOPE, ...BY_SERVICE],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'uWebSockets.js',
              message: 'import uWS and its types from @pushwire/uws: it loads the native build and refuses an unsupported Node.js',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    ignores: TEST_CODE,
    rules: { 'no-restricted-imports': ['error', { patterns: [TESTING_ENTRY] }] },
  },
  {
    // Replaces the rule above for these files (ESLint does not merge a rule's options), so it repeats TESTING_ENTRY.
    files: BROWSER_LIBS,
    ignores: TEST_CODE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: NODE_BUILTIN, message: 'scope:shared and scope:device libs run in browsers too: no Node built-ins.' },
            TESTING_ENTRY,
          ],
        },
      ],
    },
  },
  {
    // The device SDK's browser bundle must hold no TypeBox (it compiles validators with `new Function`,
    // and weighs ~90 KB): it imports the protocol's schema-free entry only. Repeats the rule above.
    files: ['libs/device-client/src/**/*.ts'],
    ignores: TEST_CODE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@pushwire/protocol',
              message: 'import @pushwire/protocol/core: the SDK runs under CSPs that forbid eval (docs/benchmarks/sdk-size.md).',
            },
            { name: '@sinclair/typebox', message: 'no schema library in the device SDK: use the checks of @pushwire/protocol/core.' },
          ],
          patterns: [
            { regex: NODE_BUILTIN, message: 'scope:shared and scope:device libs run in browsers too: no Node built-ins.' },
            TESTING_ENTRY,
          ],
        },
      ],
    },
  },
  {
    // The one importer of the uWebSockets.js package.
    files: ['libs/uws/src/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Jest and tool configs are CommonJS by design.
    files: ['**/*.config.js', 'jest.preset.js', 'tools/scripts/*.js', 'apps/pushctl/bin/*.js'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and test helpers may start real collaborators (a real registry for the push client, a
    // real edge for the device SDK); production code may not.
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/src/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: [{ sourceTag: '*', notDependOnLibsWithTags: ['type:app'] }] },
      ],
    },
  },
];
