// ESLint flat config. Layering (docs/architecture.md): cli -> engine, diff -> kinds -> plan | openstack -> shared.
// The sim is a separate server and imports only shared/ (and its own files).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, why) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((item) =>
          typeof item === 'string' ? { group: [item], message: why } : { ...item, message: why },
        ),
      },
    ],
  },
});

// The files of one kind (src/kinds/<kind>/...): only src/kinds/ itself imports them. The generic layers use
// src/kinds/registry.ts and the generic kind API (kind.ts, descriptor.ts, external.ts, markers.ts, shared/).
const ONE_KIND = [{ regex: '(^|/)kinds/(?!shared/)[^/]+/' }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/e2e/openstack/state/**', 'src/**/*.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  layer(
    ['src/openstack/**'],
    ['**/plan/**', '**/kinds/**', '**/engine/**', '**/diff/**', '**/cli/**', '**/sim/**'],
    'openstack/ knows nothing of plans, kinds, the engine or the CLI',
  ),
  layer(
    ['src/plan/**'],
    ['**/openstack/**', '**/kinds/**', '**/engine/**', '**/diff/**', '**/cli/**', '**/sim/**', 'undici'],
    'plan/ is pure data: no cloud, no engine',
  ),
  layer(
    ['src/kinds/**'],
    [
      '**/engine/**',
      '**/diff/**',
      '**/export/**',
      '**/cli/**',
      '**/sim/**',
      'undici',
      // The mapping reads the registry; the kinds' own mapping rules use only its leaves (no cycle back).
      { regex: '(^|/)mapping/(?!(external|match|types)\\.js$)' },
    ],
    'kinds/ sits below the engine and the CLI, and uses only the leaves of mapping/ (external, match, types)',
  ),
  layer(
    ['src/engine/**', 'src/diff/**', 'src/export/**'],
    ['**/cli/**', '**/sim/**', 'undici', ...ONE_KIND],
    'the engine is headless and never touches HTTP directly; it reaches kinds through the registry and the generic kind API only',
  ),
  layer(
    ['src/cli/**'],
    [...ONE_KIND],
    'the CLI reaches kinds through the registry and the generic kind API only (no file of a single kind)',
  ),
  layer(
    ['src/campaign/**'],
    ['**/cli/**', '**/sim/**', 'undici'],
    'the campaign drives the use cases headlessly: no CLI, no HTTP of its own',
  ),
  layer(
    ['src/mapping/**'],
    ['**/openstack/**', ...ONE_KIND, '**/engine/**', '**/diff/**', '**/export/**', '**/cli/**', '**/sim/**', 'undici'],
    'mapping/ is pure data over plans: it calls no cloud, and reads kind facts from the registry and descriptors only',
  ),
  layer(
    ['src/transfer/**'],
    ['**/plan/**', '**/engine/**', '**/diff/**', '**/export/**', '**/cli/**', '**/sim/**', 'undici'],
    'transfer/ moves bytes with the client; it knows no plans',
  ),
  layer(
    ['src/shared/**'],
    ['**/openstack/**', '**/plan/**', '**/kinds/**', '**/engine/**', '**/diff/**', '**/cli/**', '**/sim/**', 'undici'],
    'shared/ depends on nothing of ours',
  ),
  layer(
    ['src/sim/**'],
    ['**/openstack/**', '**/plan/**', '**/kinds/**', '**/engine/**', '**/diff/**', '**/cli/**'],
    'the simulator is independent of the code it tests',
  ),
  {
    files: ['src/cli/views/**', 'src/shared/logger.ts', 'test/**', 'bench/**', 'src/bin.ts'],
    rules: { 'no-console': 'off' },
  },
);
