import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.omnijourney/', 'db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests assert a value exists before using it; `!` after such an assertion is fine there.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs, no I/O.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows and domain code must stay deterministic and pure.' },
            {
              group: ['**/activities/*', '!**/activities/*.types.js'],
              allowTypeImports: true,
              message: 'Workflows import only activity types.',
            },
            { group: ['**/db/*', '**/infra/*', '**/worker/*'], message: 'No I/O modules in workflows.' },
          ],
        },
      ],
    },
  },
);
