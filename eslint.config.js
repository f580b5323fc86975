import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.omnijourney/', 'db/migrations/', 'dist/'] },
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
    // A promise nobody awaits loses its error and its ordering: every one is awaited, returned or voided.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: it imports pure `domain/` code,
    // activity *types* and Temporal's workflow API, nothing else (scripts/check-layers.ts checks
    // which of our folders it reaches). `lifecycle.ts` is the client side: it starts and signals runs.
    files: ['workflows/**/*.ts'],
    // Tests beside the handlers run in Node and drive a worker; they are not bundled into the sandbox.
    ignores: ['workflows/**/lifecycle.ts', 'workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Bare specifiers: only Temporal's workflow API (no Node built-ins, no I/O libraries).
              regex: '^(?!@temporalio/workflow$|\\.{1,2}/)',
              message: 'Workflows import only @temporalio/workflow, domain/ code and activity types.',
            },
            {
              group: ['**/activities/*'],
              allowTypeImports: true,
              message: 'Workflows import only activity types.',
            },
          ],
        },
      ],
    },
  },
  {
    // Domain code is pure: shared by workflows and activities, tested without servers.
    files: ['domain/**/*.ts'],
    ignores: ['domain/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'Domain code stays pure: no Node APIs.' },
            { regex: '^\\.\\./', message: 'Domain code imports only domain code.' },
          ],
        },
      ],
    },
  },
);
