import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.state/', 'bin/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Plain CommonJS config files (jest.config.js).
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // Workflow code is replayed: it may only import the workflow SDK and types.
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', 'fs', 'path', 'knex', 'ldapts', 'pino', 'nodemailer'], message: 'workflows must stay deterministic: import only @temporalio/workflow and types' },
      ] }],
    },
  },
);
