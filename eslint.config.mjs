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
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:protocol', 'type:util'] },
            { sourceTag: 'scope:device', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:protocol', 'type:util', 'type:client', 'type:feature'] },
            { sourceTag: 'type:tool', notDependOnLibsWithTags: ['type:app'] },
            { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
