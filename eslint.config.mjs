import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries by tag (see docs/architecture.md, "Projects and boundaries"):
//   type:protocol  depends on nothing;
//   type:util      on protocol;
//   type:client    on protocol and util (scope:device only on protocol: it must run in browsers);
//   type:feature   on protocol, util, client and other features;
//   type:tool      on anything but apps;  type:app is a leaf nobody imports.
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
          depConstraints: [
            { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:protocol'] },
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:client'] },
            { sourceTag: 'scope:device', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:client', 'type:feature'] },
            { sourceTag: 'type:tool', notDependOnLibsWithTags: ['type:app'] },
            { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
          ],
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
